using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// Runs a parser on a worker thread and hands its rows, in chunks, to the calling thread: parsing and appending a
/// dump then use two cores. Row order is kept. An exception on either side stops both and is rethrown here.
/// </summary>
internal static class ParsePipeline
{
    private const int ChunkRows = 8192;
    private const int ChunksInFlight = 8;

    public static void Run<TRow>(Action<Action<TRow>> parse, Action<TRow> consume, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var chunks = new BlockingCollection<TRow[]>(ChunksInFlight);
        ExceptionDispatchInfo? parseFailure = null;
        var producer = Task.Run(() =>
        {
            var chunk = new List<TRow>(ChunkRows);
            try
            {
                parse(row =>
                {
                    chunk.Add(row);
                    if (chunk.Count == ChunkRows)
                    {
                        chunks.Add([.. chunk], stop.Token);
                        chunk.Clear();
                    }
                });
                if (chunk.Count > 0)
                {
                    chunks.Add([.. chunk], stop.Token);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // The consumer failed; its exception is the one to report.
            }
            catch (Exception e)
            {
                parseFailure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                chunks.CompleteAdding();
            }
        }, CancellationToken.None);
        try
        {
            foreach (var chunk in chunks.GetConsumingEnumerable(stop.Token))
            {
                foreach (var row in chunk)
                {
                    consume(row);
                }
            }
        }
        catch
        {
            stop.Cancel();
            producer.Wait(CancellationToken.None);
            throw;
        }
        producer.Wait(CancellationToken.None);
        parseFailure?.Throw();
    }
}

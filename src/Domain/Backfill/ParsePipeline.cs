using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Pipeline.Domain.Backfill;

/// <summary>
/// Runs a parser on a worker thread and hands its rows, in chunks, to the caller's consumer: parsing and writing
/// a dump then use two cores. Row order is kept. An exception on either side stops both and is rethrown here.
/// </summary>
internal static class ParsePipeline
{
    private const int ChunkRows = 8192;
    private const int ChunksInFlight = 8;

    public static async Task RunAsync<TRow>(
        Action<Action<TRow>> parse, Func<TRow[], ValueTask> consume, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var chunks = Channel.CreateBounded<TRow[]>(new BoundedChannelOptions(ChunksInFlight) { SingleReader = true, SingleWriter = true });
        ExceptionDispatchInfo? parseFailure = null;
        var producer = Task.Run(() =>
        {
            var chunk = new List<TRow>(ChunkRows);
            void Hand(List<TRow> rows)
            {
                // The parser is synchronous; waiting here is what bounds the rows in flight.
                var write = chunks.Writer.WriteAsync([.. rows], stop.Token);
                if (!write.IsCompletedSuccessfully)
                {
                    write.AsTask().GetAwaiter().GetResult();
                }
                rows.Clear();
            }
            try
            {
                parse(row =>
                {
                    chunk.Add(row);
                    if (chunk.Count == ChunkRows)
                    {
                        Hand(chunk);
                    }
                });
                if (chunk.Count > 0)
                {
                    Hand(chunk);
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
                chunks.Writer.Complete();
            }
        }, CancellationToken.None);
        try
        {
            await foreach (var chunk in chunks.Reader.ReadAllAsync(stop.Token))
            {
                await consume(chunk);
            }
        }
        catch
        {
            await stop.CancelAsync();
            await producer;
            throw;
        }
        await producer;
        parseFailure?.Throw();
    }
}

using System.Threading.Channels;
using Pipeline.Domain.Rows;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// Coalesces concurrent writes into one transaction: while one group commits, new writes queue; the next group takes
/// everything queued (up to <see cref="MaxRowsPerGroup"/> rows), so no write waits for a timer, only for the commit
/// ahead of it. Each caller is answered after its own group committed. When a group fails, its writes are retried
/// one by one, so a bad batch fails alone and good ones still land.
/// </summary>
internal sealed class WriteCoalescer : IAsyncDisposable
{
    public const int MaxRowsPerGroup = 20_000;

    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<IngestBatch>, CancellationToken, Task<IReadOnlyList<WriteOutcome>>> _commit;
    private readonly Task _loop;

    /// <param name="commit">Commits a group in one transaction; returns what each batch stored.</param>
    public WriteCoalescer(Func<IReadOnlyList<IngestBatch>, CancellationToken, Task<IReadOnlyList<WriteOutcome>>> commit)
    {
        _commit = commit;
        _loop = Task.Run(LoopAsync);
    }

    public Task<WriteOutcome> WriteAsync(IngestBatch batch, CancellationToken cancellationToken)
    {
        var pending = new PendingWrite(batch, new TaskCompletionSource<WriteOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(DuckDbWarehouse));
        }
        // A caller that gives up is answered at once; its write may still land, which redelivery tolerates (idempotent).
        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private async Task LoopAsync()
    {
        var reader = _queue.Reader;
        var group = new List<PendingWrite>();
        while (await reader.WaitToReadAsync())
        {
            group.Clear();
            var rows = 0;
            while (rows < MaxRowsPerGroup && reader.TryRead(out var pending))
            {
                group.Add(pending);
                rows += pending.Batch.Count;
            }
            await CommitAsync(group);
        }
    }

    private async Task CommitAsync(List<PendingWrite> group)
    {
        try
        {
            // A commit is never cancelled half-way: callers that gave up only stop waiting (see WriteAsync).
            var stored = await _commit(group.Select(p => p.Batch).ToList(), CancellationToken.None);
            for (var i = 0; i < group.Count; i++)
            {
                group[i].Done.TrySetResult(stored[i]);
            }
            return;
        }
        catch (Exception) when (group.Count > 1)
        {
            // Find the culprit: each write on its own.
        }
        catch (Exception e)
        {
            group[0].Done.TrySetException(e);
            return;
        }
        foreach (var pending in group)
        {
            try
            {
                var stored = await _commit([pending.Batch], CancellationToken.None);
                pending.Done.TrySetResult(stored[0]);
            }
            catch (Exception e)
            {
                pending.Done.TrySetException(e);
            }
        }
    }

    private sealed record PendingWrite(IngestBatch Batch, TaskCompletionSource<WriteOutcome> Done);
}

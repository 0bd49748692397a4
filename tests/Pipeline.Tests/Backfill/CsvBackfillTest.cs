using System.Text;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Backfill;

/// <summary>The orchestrator's own guarantees, with ports that fail on purpose.</summary>
public sealed class CsvBackfillTest
{
    private static readonly CsvLoad s_load = CsvLoad.ForObject("b", "user_interaction/a.csv", 1, RecordKind.Interaction);

    [Fact]
    public async Task SinkFailingMidFile_Throws_CommitsNothingAndRecordsNothing()
    {
        var rows = string.Concat(Enumerable.Range(0, 50_000).Select(i => $"{i},1,95,2022-03-27\n"));
        var objects = new MemoryObjects();
        objects.Put(s_load.ObjectUri, 1, Encoding.UTF8.GetBytes("user_id,content_id,read_percent,updated_at\n" + rows));
        var store = new RecordingStore(failOnChunk: 2);
        var backfill = new CsvBackfill(store, store, objects, TimeProvider.System);

        var error = await Assert.ThrowsAsync<IOException>(() => backfill.LoadAsync(s_load, default));

        Assert.Equal("warehouse down", error.Message);
        Assert.False(store.Committed);
        Assert.True(store.Disposed);
        Assert.Empty(store.Appended);
    }

    [Fact]
    public async Task EngineErrorOfAFileProblemsType_IsNotMistakenForABadFile()
    {
        var objects = new MemoryObjects();
        objects.Put(s_load.ObjectUri, 1, Encoding.UTF8.GetBytes("user_id,content_id,read_percent,updated_at\n1,1,95,2022-03-27\n"));
        var store = new RecordingStore(failOnChunk: 1, failure: new InvalidDataException("engine says no"));
        var backfill = new CsvBackfill(store, store, objects, TimeProvider.System);

        await Assert.ThrowsAsync<InvalidDataException>(() => backfill.LoadAsync(s_load, default));

        Assert.Empty(store.Appended);
    }

    /// <summary>An empty load_log, and a sink that throws on the n-th chunk of rows.</summary>
    private sealed class RecordingStore(int failOnChunk, Exception? failure = null) : ILoadLog, IBackfillSink, IBackfillWrite
    {
        private int _chunks;

        public bool Committed { get; private set; }

        public bool Disposed { get; private set; }

        public List<LoadOutcome> Appended { get; } = [];

        public Task<IReadOnlyList<LoadLogEntry>> ReadAsync(CsvLoad load, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<LoadLogEntry>>([]);

        public Task AppendAsync(CsvLoad load, LoadOutcome outcome, DateTime startedAt, CancellationToken cancellationToken)
        {
            Appended.Add(outcome);
            return Task.CompletedTask;
        }

        public Task<IBackfillWrite> BeginAsync(CsvLoad load, DateTime startedAt, CancellationToken cancellationToken) =>
            Task.FromResult<IBackfillWrite>(this);

        public ValueTask AddAsync(IReadOnlyList<Interaction> rows, CancellationToken cancellationToken) =>
            ++_chunks == failOnChunk ? throw failure ?? new IOException("warehouse down") : ValueTask.CompletedTask;

        public ValueTask AddAsync(IReadOnlyList<ContentMeta> rows, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public Task CommitAsync(IReadOnlyList<DeadLetter> deadLetters, LoadOutcome outcome, LoadDecision decision, CancellationToken cancellationToken)
        {
            Committed = true;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}

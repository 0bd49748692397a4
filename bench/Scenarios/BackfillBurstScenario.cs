using System.Diagnostics;
using DuckDB.NET.Data;
using Pipeline.Domain;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Warehouse.DuckDb;

namespace Pipeline.Bench.Scenarios;

/// <summary>
/// Parts dropped at once into the local stack's bucket directory (moved in, so each appears whole), timed until the
/// load_log has every one loaded; then DuckDB's own <c>read_csv</c> of the same files into one table, and, to show
/// where the time goes, the same parts loaded in-process through <see cref="CsvBackfill"/> with the store's calls
/// timed (append, commit), and parsed only (rows dropped).
/// </summary>
public static class BackfillBurstScenario
{
    public static async Task<BenchResult> RunAsync(Sizes sizes, string workDir)
    {
        var parts = Enumerable.Range(0, sizes.BurstParts)
            .Select(i => Path.Combine(workDir, "burst", $"part-{sizes.BurstPartRows}-{i:D2}.csv")).ToList();
        for (var i = 0; i < parts.Count; i++)
        {
            if (!File.Exists(parts[i]))
            {
                BackfillScenario.Generate(parts[i], sizes.BurstPartRows, seed: 1000 + i);
            }
        }
        var rows = (double)sizes.BurstParts * sizes.BurstPartRows;

        var (stackSeconds, firstStartSeconds) = await StackAsync(parts, workDir);
        var duckDbSeconds = await ReadCsvAsync(parts, Path.Combine(workDir, "burst-db", "duckdb.duckdb"));
        var (inProcessSeconds, appendSeconds, commitSeconds) = await InProcessAsync(parts, Path.Combine(workDir, "burst-db", "ours.duckdb"), parseOnly: false);
        var (parseOnlySeconds, _, _) = await InProcessAsync(parts, Path.Combine(workDir, "burst-db", "parse.duckdb"), parseOnly: true);
        var (oneAtATimeSeconds, _, soleCommitSeconds) = await InProcessAsync(parts, Path.Combine(workDir, "burst-db", "serial.duckdb"), parseOnly: false, parallel: 1);

        var figures = new Dictionary<string, double>
        {
            ["parts"] = sizes.BurstParts,
            ["rows"] = rows,
            ["stack_load_s"] = stackSeconds,
            ["stack_rows_per_s"] = rows / stackSeconds,
            ["stack_first_load_started_s"] = firstStartSeconds,
            ["duckdb_read_csv_s"] = duckDbSeconds,
            ["ratio_to_duckdb"] = stackSeconds / duckDbSeconds,
            ["in_process_load_s"] = inProcessSeconds,
            ["in_process_append_thread_s"] = appendSeconds,
            ["in_process_commit_s"] = commitSeconds,
            ["parse_only_s"] = parseOnlySeconds,
            ["in_process_one_at_a_time_s"] = oneAtATimeSeconds,
            ["one_at_a_time_commit_s"] = soleCommitSeconds,
            ["peak_rss_mb"] = Rss.PeakMegabytes(),
        };
        return new BenchResult("backfill-burst", figures,
        [
            Target.AtMost(figures, "ratio_to_duckdb", 1.5),
        ], $"{sizes.BurstParts} parts of {sizes.BurstPartRows} rows, {new FileInfo(parts[0]).Length / 1e6:F0} MB each; {Environment.ProcessorCount} cores; "
            + "append/commit are summed over the parts (thread time), the others wall time");
    }

    /// <summary>
    /// Drops every part into the bucket at once and waits until the load_log has each one loaded: the time until then,
    /// and until the first load started (the watcher announces a file once it stood still over one poll).
    /// </summary>
    private static async Task<(double, double)> StackAsync(IReadOnlyList<string> parts, string workDir)
    {
        await using var stack = await BenchStack.StartAsync(Path.Combine(workDir, "burst-stack"));
        var inbox = Path.Combine(stack.Options.DataDir, "inbox");
        var target = Path.Combine(stack.Options.BucketDir, "user_interaction", "burst");
        Directory.CreateDirectory(inbox);
        Directory.CreateDirectory(target);
        for (var i = 0; i < parts.Count; i++)
        {
            File.Copy(parts[i], Path.Combine(inbox, Path.GetFileName(parts[i])));
        }
        var inspection = stack.App.Services.GetRequiredService<IWarehouseInspection>();
        var dropped = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        foreach (var part in parts)
        {
            File.Move(Path.Combine(inbox, Path.GetFileName(part)), Path.Combine(target, Path.GetFileName(part)));
        }
        while (true)
        {
            var log = await inspection.ReadLoadLogAsync(default);
            if (log.Any(e => e.Status != "loaded"))
            {
                throw new InvalidOperationException($"a part did not load: {log.First(e => e.Status != "loaded")}");
            }
            if (log.Count >= parts.Count)
            {
                return (clock.Elapsed.TotalSeconds, (log.Min(e => e.StartedAt) - dropped).TotalSeconds);
            }
            await Task.Delay(50);
        }
    }

    private static async Task<double> ReadCsvAsync(IReadOnlyList<string> parts, string database)
    {
        Fresh(database);
        var clock = Stopwatch.StartNew();
        await using var connection = new DuckDBConnection($"Data Source={database}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"CREATE TABLE user_interaction AS SELECT * FROM read_csv([{string.Join(", ", parts.Select(p => "'" + p.Replace("'", "''") + "'"))}])";
        await command.ExecuteNonQueryAsync();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The parts through the product's backfill in this process, as many at once as the watcher delivers (one per core)
    /// unless <paramref name="parallel"/> says otherwise:
    /// wall time, and the thread time spent appending and committing.
    /// </summary>
    private static async Task<(double Wall, double Append, double Commit)> InProcessAsync(
        IReadOnlyList<string> parts, string database, bool parseOnly, int? parallel = null)
    {
        Fresh(database);
        await using var engine = new DuckDbEngine(new DuckDbOptions(database));
        var store = new DuckDbBackfillStore(engine.Database, engine.Serving, TimeProvider.System);
        var timed = new TimedSink(parseOnly ? new DroppingSink() : store);
        var backfill = new CsvBackfill(store, timed, new BucketDirectorySource(null), TimeProvider.System);
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(parts, new ParallelOptions { MaxDegreeOfParallelism = parallel ?? Environment.ProcessorCount }, async (part, ct) =>
        {
            var outcome = await backfill.LoadAsync(new CsvLoad("gs://bench/" + Path.GetFileName(part), 1, RecordKind.Interaction), new LocalFileSource(part), ct);
            if (outcome.Status != LoadStatus.Loaded)
            {
                throw new InvalidOperationException($"{part}: {outcome}");
            }
        });
        return (clock.Elapsed.TotalSeconds, timed.AppendTicks / (double)Stopwatch.Frequency, timed.CommitTicks / (double)Stopwatch.Frequency);
    }

    private static void Fresh(string database)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        File.Delete(database);
        File.Delete(database + ".wal");
    }

    /// <summary>Times the store's calls: appending rows, and the commit (its wait for the write lock included).</summary>
    private sealed class TimedSink(IBackfillSink inner) : IBackfillSink
    {
        private long _append;
        private long _commit;

        public long AppendTicks => Interlocked.Read(ref _append);

        public long CommitTicks => Interlocked.Read(ref _commit);

        public async Task<IBackfillWrite> BeginAsync(CsvLoad load, DateTime startedAt, CancellationToken cancellationToken) =>
            new TimedWrite(this, await inner.BeginAsync(load, startedAt, cancellationToken));

        private sealed class TimedWrite(TimedSink owner, IBackfillWrite inner) : IBackfillWrite
        {
            public async ValueTask AddAsync(IReadOnlyList<Interaction> rows, CancellationToken cancellationToken)
            {
                var start = Stopwatch.GetTimestamp();
                await inner.AddAsync(rows, cancellationToken);
                Interlocked.Add(ref owner._append, Stopwatch.GetTimestamp() - start);
            }

            public ValueTask AddAsync(IReadOnlyList<ContentMeta> rows, CancellationToken cancellationToken) => inner.AddAsync(rows, cancellationToken);

            public async Task CommitAsync(IReadOnlyList<DeadLetter> deadLetters, LoadOutcome outcome, LoadDecision decision, CancellationToken cancellationToken)
            {
                var start = Stopwatch.GetTimestamp();
                await inner.CommitAsync(deadLetters, outcome, decision, cancellationToken);
                Interlocked.Add(ref owner._commit, Stopwatch.GetTimestamp() - start);
            }

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }

    /// <summary>Drops the rows: what parsing and validating alone cost.</summary>
    private sealed class DroppingSink : IBackfillSink, IBackfillWrite
    {
        public Task<IBackfillWrite> BeginAsync(CsvLoad load, DateTime startedAt, CancellationToken cancellationToken) =>
            Task.FromResult<IBackfillWrite>(this);

        public ValueTask AddAsync(IReadOnlyList<Interaction> rows, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask AddAsync(IReadOnlyList<ContentMeta> rows, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public Task CommitAsync(IReadOnlyList<DeadLetter> deadLetters, LoadOutcome outcome, LoadDecision decision, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

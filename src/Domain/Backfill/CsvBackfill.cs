using System.Globalization;
using System.IO.Compression;
using System.Text;
using Pipeline.Domain.Parsing;
using Pipeline.Domain.Retries;
using Pipeline.Domain.Rows;

namespace Pipeline.Domain.Backfill;

/// <summary>
/// Backfill, written once for every engine. For one object generation it reads the load_log and applies
/// <see cref="GenerationRule"/>; streams the object (gzip by name, checked whole: see Directory.Build.props; strict
/// UTF-8) through <see cref="CsvRecords"/>, whose rules are the Pub/Sub records' rules; fails the file past
/// <see cref="CsvLoad.MaxBadRows"/>; and hands the engine only validated rows and dead letters, keyed
/// <c>gs://bucket/object#generation:line</c>, to commit in one transaction with their load_log row. Every attempt
/// that reaches an outcome is a load_log row; one the engine fails throws. An engine supplies the three ports:
/// <see cref="ILoadLog"/>, <see cref="IBackfillSink"/> and <see cref="IObjectSource"/>.
/// <para>
/// Attempts run concurrently, except two of one object into one target in this process, which take turns. Another
/// process may still race this one on the same object: a commit that loses (<see cref="BackfillConflictException"/>,
/// having written nothing) is decided again on a fresh load_log read, and committed again with the rows already
/// staged, up to <see cref="MaxCommitRaces"/> times; only then does the attempt throw (the delivery answers 5xx and is
/// redelivered). Nothing here refuses an attempt for lack of room: the caller's concurrency is the bound.
/// </para>
/// </summary>
public sealed class CsvBackfill(ILoadLog log, IBackfillSink sink, IObjectSource objects, TimeProvider clock)
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Commits that lose a race before the attempt gives up and throws (the delivery is then redelivered): with the
    /// backoff capped at 8 s, about four minutes of waiting, within Pub/Sub's 600 s acknowledgement deadline.
    /// </summary>
    public const int MaxCommitRaces = 32;

    /// <summary>The wait before deciding again after a lost race: 0.5 s doubling to 8 s, jittered.</summary>
    public static Backoff RaceBackoff { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(8));

    // One attempt at a time per (object, target) in this process (one CsvBackfill per process: each host registers
    // it once), so an engine whose commits cannot race (DuckDB: one writer, one process) keeps its decisions valid.
    private readonly ObjectTurns _turns = new();

    /// <summary>
    /// Loads the object generation exactly once. A file that cannot be loaded is a <see cref="LoadStatus.Failed"/>
    /// outcome; an exception means the warehouse or the object store failed (the caller answers 5xx and is retried).
    /// </summary>
    public Task<LoadOutcome> LoadAsync(CsvLoad load, CancellationToken cancellationToken) => LoadAsync(load, objects, cancellationToken);

    /// <summary>
    /// Loads the object generation from <paramref name="source"/> instead of the engine's object source (one local
    /// file, for the <c>load</c> command and the benchmark), under the same rules and the same turns per object.
    /// </summary>
    public async Task<LoadOutcome> LoadAsync(CsvLoad load, IObjectSource source, CancellationToken cancellationToken)
    {
        using var turn = await _turns.TakeAsync((load.ObjectUri, load.Target), cancellationToken);
        var startedAt = Microseconds(clock.GetUtcNow().UtcDateTime);
        var decision = GenerationRule.Decide(await log.ReadAsync(load, cancellationToken), load.Generation);
        var outcome = decision.SkipReason is { } reason
            ? LoadOutcome.Skipped(reason)
            : await LoadObjectAsync(load, source, decision, startedAt, cancellationToken);
        if (outcome.Status != LoadStatus.Loaded)
        {
            await log.AppendAsync(load, outcome, startedAt, cancellationToken);
        }
        return outcome;
    }

    /// <summary>The dead letter of a refused row: its event id, its raw text, and <c>line N: reason</c>.</summary>
    public static DeadLetter DeadLetter(CsvLoad load, CsvRejection rejection)
    {
        var line = rejection.Line.ToString(CultureInfo.InvariantCulture);
        return new DeadLetter(DeadLetterSources.BackfillCsv, load.EventIdPrefix + line, rejection.Raw, $"line {line}: {rejection.Reason}");
    }

    private async Task<LoadOutcome> LoadObjectAsync(CsvLoad load, IObjectSource source, LoadDecision decision, DateTime startedAt, CancellationToken cancellationToken)
    {
        if (load.TooLarge() is { } tooLarge)
        {
            return LoadOutcome.Failed(tooLarge, 0); // final for the generation: its redeliveries are skipped
        }
        var rejections = new List<CsvRejection>();
        try
        {
            await using var stream = await OpenAsync(source, load, cancellationToken);
            await using var content = load.IsGzip ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : null;
            using var text = new StreamReader(content ?? stream, s_strictUtf8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 20, leaveOpen: true);
            await using var write = await sink.BeginAsync(load, startedAt, cancellationToken);
            void Reject(CsvRejection rejection)
            {
                rejections.Add(rejection);
                if (rejections.Count > load.MaxBadRows)
                {
                    throw new CsvFileException($"more than {load.MaxBadRows} bad rows; the first, line {rejections[0].Line}: {rejections[0].Reason}");
                }
            }
            long loaded = 0;
            async Task ParseAsync<TRow>(RecordShape<TRow> shape, Func<TRow[], CancellationToken, ValueTask> add) =>
                await ParsePipeline.RunAsync<TRow>(emit => FileProblems(() => CsvRecords.Read(shape, text, load.EventIdPrefix, emit, Reject, cancellationToken)), async chunk =>
                {
                    await add(chunk, cancellationToken);
                    loaded += chunk.Length;
                }, cancellationToken);
            await (load.Target == RecordKind.Interaction
                ? ParseAsync(RecordShapes.Interaction, (rows, ct) => write.AddAsync(rows, ct))
                : ParseAsync(RecordShapes.ContentMeta, (rows, ct) => write.AddAsync(rows, ct)));
            var outcome = new LoadOutcome(LoadStatus.Loaded, loaded, rejections.Count,
                rejections.Count == 0 ? null : $"{rejections.Count} bad rows dead-lettered");
            return await CommitAsync(write, load, rejections.Select(r => DeadLetter(load, r)).ToList(), outcome, decision, cancellationToken);
        }
        catch (CsvFileException e)
        {
            return LoadOutcome.Failed(e.Message, rejections.Count);
        }
    }

    /// <summary>
    /// Commits; after a lost race reads the load_log again and decides again: a skip is the outcome (nothing is
    /// written), a load commits the same rows under the new decision (replacing or not, the new basis).
    /// </summary>
    private async Task<LoadOutcome> CommitAsync(
        IBackfillWrite write, CsvLoad load, IReadOnlyList<DeadLetter> deadLetters, LoadOutcome outcome, LoadDecision decision, CancellationToken cancellationToken)
    {
        for (var races = 0; ; races++)
        {
            try
            {
                await write.CommitAsync(deadLetters, outcome, decision, cancellationToken);
                return outcome;
            }
            catch (BackfillConflictException) when (races + 1 < MaxCommitRaces)
            {
                await Task.Delay(RaceBackoff.Delay(races + 1), clock, cancellationToken);
                decision = GenerationRule.Decide(await log.ReadAsync(load, cancellationToken), load.Generation);
                if (decision.SkipReason is { } reason)
                {
                    return LoadOutcome.Skipped(reason);
                }
            }
        }
    }

    /// <summary>Opens the object; its absence is the file's problem (final), any other failure the store's.</summary>
    private static async Task<Stream> OpenAsync(IObjectSource source, CsvLoad load, CancellationToken cancellationToken)
    {
        try
        {
            return await source.OpenReadAsync(load, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CsvFileException("the object does not exist", e);
        }
    }

    /// <summary>
    /// Runs the parser, turning what is wrong with the bytes (bad gzip, not UTF-8) into the file's failure. Only the
    /// parser's side is mapped: the same exception types from an engine stay the engine's failure (5xx, retried).
    /// </summary>
    private static void FileProblems(Action parse)
    {
        try
        {
            parse();
        }
        catch (InvalidDataException e)
        {
            throw new CsvFileException($"not a valid gzip file: {e.Message}", e);
        }
        catch (DecoderFallbackException e)
        {
            throw new CsvFileException("the file is not UTF-8 text", e);
        }
    }

    /// <summary>Both engines keep timestamps to the microsecond.</summary>
    private static DateTime Microseconds(DateTime utc) => new(utc.Ticks - utc.Ticks % 10, DateTimeKind.Utc);
}

using System.Globalization;
using System.IO.Compression;
using System.Text;
using Pipeline.Domain.Parsing;
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
/// </summary>
public sealed class CsvBackfill(ILoadLog log, IBackfillSink sink, IObjectSource objects, TimeProvider clock)
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // One attempt at a time per (object, target) in this process (one CsvBackfill per process: each host registers it
    // once), so an attempt's decision and commit cannot interleave with another attempt of the same object; attempts
    // of different objects run at once. Keyed by stripe: two objects sharing one merely wait for each other.
    private readonly SemaphoreSlim[] _gates = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    /// <summary>
    /// Loads the object generation exactly once. A file that cannot be loaded is a <see cref="LoadStatus.Failed"/>
    /// outcome; an exception means the warehouse or the object store failed (the caller answers 5xx and is retried).
    /// </summary>
    public Task<LoadOutcome> LoadAsync(CsvLoad load, CancellationToken cancellationToken) => LoadAsync(load, objects, cancellationToken);

    /// <summary>
    /// Loads the object generation from <paramref name="source"/> instead of the engine's object source (one local
    /// file, for the <c>load</c> command and the benchmark), under the same rules and the same one-attempt-per-object gate.
    /// </summary>
    public async Task<LoadOutcome> LoadAsync(CsvLoad load, IObjectSource source, CancellationToken cancellationToken)
    {
        var gate = _gates[(int)((uint)HashCode.Combine(load.ObjectUri, load.Target) % (uint)_gates.Length)];
        await gate.WaitAsync(cancellationToken);
        try
        {
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
        finally
        {
            gate.Release();
        }
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
            await using var write = await sink.BeginAsync(load, decision, startedAt, cancellationToken);
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
            await write.CommitAsync(rejections.Select(r => DeadLetter(load, r)).ToList(), outcome, cancellationToken);
            return outcome;
        }
        catch (CsvFileException e)
        {
            return LoadOutcome.Failed(e.Message, rejections.Count);
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

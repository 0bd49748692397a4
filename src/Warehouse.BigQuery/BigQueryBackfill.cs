using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Warehouse.BigQuery.Rest;

namespace Pipeline.Warehouse.BigQuery;

/// <summary>
/// Backfill on BigQuery: the load-log store and row sink of <see cref="CsvBackfill"/>. Validated rows are uploaded
/// with a load job into an expiring staging table, then one commit job moves them (<see cref="BackfillScript"/>).
/// Both jobs have ids derived from (object, generation, target) plus an attempt number, so a redelivered event finds
/// the jobs an earlier delivery started instead of loading twice; a job that failed is retried under the next number.
/// </summary>
public sealed class BigQueryBackfill(BigQueryRestClient client, BigQueryOptions options, TimeProvider clock, ILogger<BigQueryBackfill> logger)
    : ILoadLog, IBackfillSink
{
    /// <summary>
    /// Failed jobs of one kind after which the generation is given up for good: recorded as <c>failed</c>, so it is
    /// not retried for ever (a job id, failed or not, stays taken for months). Re-upload the object to try again.
    /// </summary>
    public const int MaxJobAttempts = 10;

    /// <summary>
    /// Job ids of one kind scanned at most: commit jobs that lost a race (<see cref="IsLostRace"/>) take an id each but
    /// do not count toward <see cref="MaxJobAttempts"/>.
    /// </summary>
    public const int MaxJobIds = 100;

    private static readonly TimeSpan s_stagingLifetime = TimeSpan.FromDays(1);

    // Commits of one target take turns within this process: they would conflict on the target's claim row anyway,
    // and a lost race costs a job and a backoff. Other processes' commits still race (and are decided again).
    private readonly SemaphoreSlim _interactionCommits = new(1, 1);
    private readonly SemaphoreSlim _contentMetaCommits = new(1, 1);

    /// <inheritdoc />
    public async Task<IReadOnlyList<LoadLogEntry>> ReadAsync(CsvLoad load, CancellationToken cancellationToken)
    {
        var result = await QueryAsync(BackfillScript.LoadLogRead(options), Parameters(load, DateTime.UnixEpoch), cancellationToken);
        return result.Rows.Select(r => new LoadLogEntry(result.String(r, 0)!, result.String(r, 1)!, result.String(r, 2)!, result.String(r, 3)!,
            result.Int64(r, 4), result.Int64(r, 5), result.String(r, 6), Values.FromMicroseconds(result.String(r, 7)!),
            Values.FromMicroseconds(result.String(r, 8)!))).ToList();
    }

    /// <inheritdoc />
    public async Task AppendAsync(CsvLoad load, LoadOutcome outcome, DateTime startedAt, CancellationToken cancellationToken) =>
        await QueryAsync(BackfillScript.LoadLogInsert(options), [.. Parameters(load, startedAt), .. OutcomeParameters(outcome)], cancellationToken);

    /// <inheritdoc />
    public Task<IBackfillWrite> BeginAsync(CsvLoad load, DateTime startedAt, CancellationToken cancellationToken) =>
        Task.FromResult<IBackfillWrite>(new StagedWrite(this, load, startedAt));

    /// <summary>The base of the jobs' and the staging table's ids: the same for every delivery of one object generation.</summary>
    public static string LoadId(CsvLoad load)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{load.ObjectUri}#{load.Generation}>{load.Target}"));
        return Convert.ToHexStringLower(hash)[..40];
    }

    internal JobReference Job(CsvLoad load, string kind, int attempt) =>
        new(options.Project, $"backfill_{LoadId(load)}_{kind}{attempt}", options.Location);

    internal TableReference Staging(CsvLoad load, int attempt) =>
        new(options.Project, options.Dataset, $"_backfill_stage_{LoadId(load)}_{attempt}");

    /// <summary>
    /// Finds the attempt to use for a job kind: the first whose job does not exist (<c>Existing</c> null), or the
    /// first that succeeded (an earlier delivery's) and can still be used — a load job's staging table expires.
    /// Running jobs are waited for; failed ones are passed over. When every attempt has failed, the generation fails
    /// for good, with the last job's error.
    /// </summary>
    internal async Task<(int Attempt, Job? Existing)> AttemptAsync(CsvLoad load, string kind, CancellationToken cancellationToken)
    {
        string? lastError = null;
        var failures = 0;
        for (var attempt = 0; attempt < MaxJobIds && failures < MaxJobAttempts; attempt++)
        {
            if (await client.FindJobAsync(Job(load, kind, attempt), cancellationToken) is not { } job)
            {
                return (attempt, null);
            }
            job = await client.WaitForJobAsync(job, cancellationToken);
            if (job.Status?.ErrorResult is { } error)
            {
                if (kind == CommitKind && IsLostRace(error))
                {
                    continue; // a race lost (it wrote nothing): not a failure of this generation
                }
                failures++;
                lastError = error.Message;
                logger.LogWarning("Backfill {Object}#{Generation}: {Kind} job {JobId} failed ({Reason}: {Message}); trying the next attempt",
                    load.ObjectUri, load.Generation, kind, job.JobReference.JobId, error.Reason, error.Message);
                continue;
            }
            if (kind == LoadKind && await client.GetTableAsync(Staging(load, attempt), cancellationToken) is null)
            {
                lastError = $"the staging table of load job {job.JobReference.JobId} has expired";
                logger.LogWarning("Backfill {Object}#{Generation}: {Problem}; loading again under the next attempt", load.ObjectUri, load.Generation, lastError);
                continue;
            }
            logger.LogInformation("Backfill {Object}#{Generation}: {Kind} job {JobId} already succeeded (an earlier delivery); using it",
                load.ObjectUri, load.Generation, kind, job.JobReference.JobId);
            return (attempt, job);
        }
        throw new CsvFileException($"gave up after {failures} failed {kind} jobs (backfill_{LoadId(load)}_{kind}*); the last: {lastError}");
    }

    /// <summary>The upload's chunk size (<see cref="BigQueryOptions.UploadChunkBytes"/>).</summary>
    internal int ChunkBytes => options.UploadChunkBytes;

    internal const string LoadKind = "load";
    internal const string CommitKind = "commit";

    internal async Task<Uri> StartUploadAsync(CsvLoad load, int attempt, CancellationToken cancellationToken)
    {
        var staging = Staging(load, attempt);
        var schema = BackfillScript.StagingSchema(load.Target);
        await client.InsertTableAsync(new Table(staging, schema,
            ExpirationTime: (clock.GetUtcNow() + s_stagingLifetime).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)), cancellationToken);
        return await client.StartUploadAsync(options.UploadBase, new Job(Job(load, LoadKind, attempt),
            new JobConfiguration(Load: StagingCsv.Load(staging, schema), Labels: s_labels)), cancellationToken);
    }

    internal Task<UploadProgress> UploadChunkAsync(Uri session, ReadOnlyMemory<byte> chunk, long offset, long? total, CancellationToken cancellationToken) =>
        client.UploadChunkAsync(session, chunk, offset, total, cancellationToken);

    internal Task<UploadProgress> UploadStatusAsync(Uri session, CancellationToken cancellationToken) => client.UploadStatusAsync(session, cancellationToken);

    internal Task<Job> LoadJobAsync(CsvLoad load, int attempt, CancellationToken cancellationToken) =>
        client.GetJobAsync(Job(load, LoadKind, attempt), cancellationToken);

    /// <summary>Waits before the <paramref name="failures"/>-th retry of an upload request (<see cref="BigQueryOptions.Backoff"/>).</summary>
    internal Task BackOffAsync(int failures, CancellationToken cancellationToken) =>
        Task.Delay(options.Backoff.Delay(failures), clock, cancellationToken);

    internal async Task WaitForSuccessAsync(Job job, string what, CancellationToken cancellationToken)
    {
        job = await client.WaitForJobAsync(job, cancellationToken);
        if (job.Status?.ErrorResult is { } error)
        {
            throw new BigQueryException(null, [error.Reason ?? ""], $"The {what} job {job.JobReference.JobId} failed: {error.Message}");
        }
    }

    /// <summary>Runs the commit script as a job with the next free commit id (or finds the one an earlier delivery ran).</summary>
    internal async Task CommitAsync(
        CsvLoad load, TableReference? staging, LoadDecision decision, LoadOutcome outcome, DateTime startedAt, CancellationToken cancellationToken)
    {
        var (attempt, existing) = await AttemptAsync(load, CommitKind, cancellationToken);
        if (existing is not null)
        {
            return;
        }
        var turn = load.Target == RecordKind.Interaction ? _interactionCommits : _contentMetaCommits;
        await turn.WaitAsync(cancellationToken);
        try
        {
            await RunCommitAsync(load, staging, decision, outcome, startedAt, attempt, cancellationToken);
        }
        finally
        {
            turn.Release();
        }
    }

    private async Task RunCommitAsync(
        CsvLoad load, TableReference? staging, LoadDecision decision, LoadOutcome outcome, DateTime startedAt, int attempt, CancellationToken cancellationToken)
    {
        var script = BackfillScript.Commit(load.Target, options, staging, decision.Replacing);
        var job = await client.InsertJobAsync(new Job(Job(load, CommitKind, attempt), new JobConfiguration(
            Query: new JobConfigurationQuery(script, Values.UsedBy(script,
                [.. Parameters(load, startedAt), .. OutcomeParameters(outcome), Values.Parameter("basis", (long)decision.Basis)])),
            Labels: s_labels)), cancellationToken);
        job = await client.WaitForJobAsync(job, cancellationToken);
        if (job.Status?.ErrorResult is { } error)
        {
            if (IsLostRace(error))
            {
                logger.LogInformation("Backfill {Object}#{Generation}: commit job {JobId} lost a race ({Message}); deciding again",
                    load.ObjectUri, load.Generation, job.JobReference.JobId, error.Message);
                throw new BackfillConflictException(
                    error.Message?.Contains(BackfillScript.BasisChanged, StringComparison.Ordinal) == true ? BackfillConflict.BasisChanged : BackfillConflict.ConcurrentCommit,
                    $"The commit job {job.JobReference.JobId} lost a race and wrote nothing: {error.Message}");
            }
            throw new BigQueryException(null, [error.Reason ?? ""], $"The commit job {job.JobReference.JobId} failed: {error.Message}");
        }
    }

    /// <summary>
    /// Whether a failed commit job lost a race, so its transaction wrote nothing: its basis check failed (our
    /// sentinel), or BigQuery cancelled it for a concurrent update of a table it mutated ("Transaction is aborted due
    /// to concurrent update against table …", or "Could not serialize access to table … due to concurrent update").
    /// </summary>
    internal static bool IsLostRace(ErrorProto error) =>
        error.Message is { } message
        && (message.Contains(BackfillScript.BasisChanged, StringComparison.Ordinal)
            || message.Contains("concurrent update", StringComparison.OrdinalIgnoreCase));

    private static readonly FrozenDictionary<string, string> s_labels = new Dictionary<string, string> { ["pipeline"] = "backfill-csv" }.ToFrozenDictionary();

    private List<QueryParameter> Parameters(CsvLoad load, DateTime startedAt) =>
    [
        Values.Parameter("object", load.ObjectUri),
        Values.Parameter("generation", load.Generation.ToString(CultureInfo.InvariantCulture)),
        Values.Parameter("target", (load.Target == RecordKind.Interaction ? options.Interactions : options.ContentMeta).TableId),
        Values.Parameter("object_prefix", load.ObjectEventIdPrefix),
        Values.Parameter("event_id_prefix", load.EventIdPrefix),
        Values.Parameter("own_row", CsvLoad.OwnRowSuffixPattern),
        Values.Parameter("source", DeadLetterSources.BackfillCsv),
        Values.Parameter("started_at", startedAt),
    ];

    private static IEnumerable<QueryParameter> OutcomeParameters(LoadOutcome outcome) =>
    [
        Values.Parameter("status", GenerationRule.Status(outcome.Status)),
        Values.Parameter("rows_loaded", outcome.RowsLoaded),
        Values.Parameter("rows_rejected", outcome.RowsRejected),
        Values.NullableParameter("error", outcome.Error),
    ];

    private Task<QueryResult> QueryAsync(string sql, IEnumerable<QueryParameter> parameters, CancellationToken cancellationToken) =>
        client.QueryAsync(options.Project, options.Query(sql, parameters), cancellationToken);
}

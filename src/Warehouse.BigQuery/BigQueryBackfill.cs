using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Pipeline.Warehouse.Backfill;
using Pipeline.Warehouse.BigQuery.Rest;
using Pipeline.Warehouse.Ingest;

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
    /// <summary>Attempts per job kind before a delivery gives up (and answers 5xx, so the event is retried later).</summary>
    public const int MaxJobAttempts = 5;

    private static readonly TimeSpan s_stagingLifetime = TimeSpan.FromDays(1);

    public async Task<IReadOnlyList<LoadLogEntry>> ReadAsync(CsvLoad load, CancellationToken cancellationToken)
    {
        var result = await QueryAsync(BackfillScript.LoadLogRead(options), Parameters(load, DateTime.UnixEpoch), cancellationToken);
        return result.Rows.Select(r => new LoadLogEntry(result.String(r, 0)!, result.String(r, 1)!, result.String(r, 2)!, result.String(r, 3)!,
            result.Int64(r, 4), result.Int64(r, 5), result.String(r, 6), Values.FromMicroseconds(result.String(r, 7)!),
            Values.FromMicroseconds(result.String(r, 8)!))).ToList();
    }

    public async Task AppendAsync(CsvLoad load, LoadOutcome outcome, DateTime startedAt, CancellationToken cancellationToken) =>
        await QueryAsync(BackfillScript.LoadLogInsert(options), [.. Parameters(load, startedAt), .. OutcomeParameters(outcome)], cancellationToken);

    public Task<IBackfillWrite> BeginAsync(CsvLoad load, bool replacing, DateTime startedAt, CancellationToken cancellationToken) =>
        Task.FromResult<IBackfillWrite>(new StagedWrite(this, load, replacing, startedAt));

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
    /// first that succeeded (an earlier delivery's). Running jobs are waited for; failed ones are passed over.
    /// </summary>
    internal async Task<(int Attempt, Job? Existing)> AttemptAsync(CsvLoad load, string kind, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < MaxJobAttempts; attempt++)
        {
            if (await client.FindJobAsync(Job(load, kind, attempt), cancellationToken) is not { } job)
            {
                return (attempt, null);
            }
            job = await client.WaitForJobAsync(job, cancellationToken);
            if (job.Status?.ErrorResult is not { } error)
            {
                logger.LogInformation("Backfill {Object}#{Generation}: {Kind} job {JobId} already succeeded (an earlier delivery); using it",
                    load.ObjectUri, load.Generation, kind, job.JobReference.JobId);
                return (attempt, job);
            }
            logger.LogWarning("Backfill {Object}#{Generation}: {Kind} job {JobId} failed ({Reason}: {Message}); trying the next attempt",
                load.ObjectUri, load.Generation, kind, job.JobReference.JobId, error.Reason, error.Message);
        }
        throw new BigQueryException(null, [], $"Backfill of {load.ObjectUri}#{load.Generation}: {MaxJobAttempts} {kind} jobs failed; see jobs backfill_{LoadId(load)}_{kind}*");
    }

    internal async Task<Uri> StartUploadAsync(CsvLoad load, int attempt, CancellationToken cancellationToken)
    {
        var staging = Staging(load, attempt);
        var schema = BackfillScript.StagingSchema(load.Target);
        await client.InsertTableAsync(new Table(staging, schema,
            ExpirationTime: (clock.GetUtcNow() + s_stagingLifetime).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)), cancellationToken);
        return await client.StartUploadAsync(options.UploadBase, new Job(Job(load, "load", attempt),
            new JobConfiguration(Load: new JobConfigurationLoad(staging, schema), Labels: Labels)), cancellationToken);
    }

    internal Task<Job?> UploadChunkAsync(Uri session, ReadOnlyMemory<byte> chunk, long offset, long? total, CancellationToken cancellationToken) =>
        client.UploadChunkAsync(session, chunk, offset, total, cancellationToken);

    internal async Task WaitForSuccessAsync(Job job, string what, CancellationToken cancellationToken)
    {
        job = await client.WaitForJobAsync(job, cancellationToken);
        if (job.Status?.ErrorResult is { } error)
        {
            throw new BigQueryException(null, [error.Reason ?? ""], $"The {what} job {job.JobReference.JobId} failed: {error.Message}");
        }
    }

    /// <summary>Runs the commit script as a job with the next free commit id (or finds the one an earlier delivery ran).</summary>
    internal async Task CommitAsync(CsvLoad load, TableReference? staging, bool replacing, LoadOutcome outcome, DateTime startedAt, CancellationToken cancellationToken)
    {
        var (attempt, existing) = await AttemptAsync(load, "commit", cancellationToken);
        if (existing is not null)
        {
            return;
        }
        var script = BackfillScript.Commit(load.Target, options, staging, replacing);
        var job = await client.InsertJobAsync(new Job(Job(load, "commit", attempt), new JobConfiguration(
            Query: new JobConfigurationQuery(script, Values.UsedBy(script, [.. Parameters(load, startedAt), .. OutcomeParameters(outcome)])),
            Labels: Labels)), cancellationToken);
        await WaitForSuccessAsync(job, "commit", cancellationToken);
    }

    private static IReadOnlyDictionary<string, string> Labels { get; } = new Dictionary<string, string> { ["pipeline"] = "backfill-csv" };

    private List<QueryParameter> Parameters(CsvLoad load, DateTime startedAt) =>
    [
        Values.Parameter("object", load.ObjectUri),
        Values.Parameter("generation", load.Generation.ToString(CultureInfo.InvariantCulture)),
        Values.Parameter("target", (load.Target == RecordKind.Interaction ? options.Interactions : options.ContentMeta).TableId),
        Values.Parameter("object_prefix", load.ObjectEventIdPrefix),
        Values.Parameter("source", CsvBackfill.Source),
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

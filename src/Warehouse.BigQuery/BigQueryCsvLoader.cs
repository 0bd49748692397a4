using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Pipeline.Warehouse.Backfill;
using Pipeline.Warehouse.BigQuery.Rest;
using Pipeline.Warehouse.Ingest;

namespace Pipeline.Warehouse.BigQuery;

/// <summary>
/// Backfill on BigQuery (DESIGN §6): read the header with Cloud Storage, stage the object with a load job into an
/// expiring all-STRING table (job id derived from object, generation and target, so a redelivered event polls the
/// same job instead of loading twice), then run <see cref="BackfillScript"/>. <c>load_log</c> decides what was loaded.
/// </summary>
public sealed class BigQueryCsvLoader(
    BigQueryRestClient client, BigQueryOptions options, IObjectHeaderReader headers, TimeProvider clock, ILogger<BigQueryCsvLoader> logger)
{
    private const int MaxLoadAttempts = 3;
    private static readonly TimeSpan s_stagingLifetime = TimeSpan.FromDays(1);
    private static readonly FrozenSet<string> s_transientJobErrors = new[] { "backendError", "internalError", "rateLimitExceeded", "jobRateLimitExceeded" }.ToFrozenSet();

    public async Task<LoadOutcome> LoadAsync(CsvLoad load, CancellationToken cancellationToken)
    {
        var startedAt = TruncateToMicroseconds(clock.GetUtcNow().UtcDateTime);
        var target = load.Target == RecordKind.Interaction ? options.Interactions : options.ContentMeta;
        if (await DecidedAsync(load, target, startedAt, cancellationToken) is { } skipped)
        {
            await RecordAsync(load, target, skipped, startedAt, cancellationToken);
            return skipped;
        }
        var (bucket, objectName) = SplitUri(load.ObjectUri);
        int[] columns;
        IReadOnlyList<string> header;
        try
        {
            header = await headers.ReadHeaderAsync(bucket, objectName, cancellationToken);
            columns = CsvRecords.ResolveColumns(header, load.Target);
        }
        catch (Exception e) when (e is CsvFileException or FileNotFoundException or InvalidDataException)
        {
            var failed = LoadOutcome.Failed(e is FileNotFoundException ? "the object does not exist" : e.Message);
            await RecordAsync(load, target, failed, startedAt, cancellationToken);
            return failed;
        }

        var id = JobId(load);
        var staging = new TableReference(options.Project, options.Dataset, "_backfill_stage_" + id);
        var schema = new TableSchema(Enumerable.Range(0, header.Count).Select(i => new TableFieldSchema($"c{i}", "STRING")).ToList());
        if (await StageAsync(load, id, staging, schema, cancellationToken) is { } error)
        {
            var failed = LoadOutcome.Failed($"the load job failed: {error.Message}");
            await RecordAsync(load, target, failed, startedAt, cancellationToken);
            return failed;
        }

        var result = await QueryAsync(BackfillScript.For(load.Target, columns, header.Count, options, staging),
            Parameters(load, target, startedAt), cancellationToken);
        var row = result.Rows.Single();
        var outcome = new LoadOutcome(Enum.Parse<LoadStatus>(result.String(row, 0)!, ignoreCase: true),
            result.Int64(row, 1), result.Int64(row, 2), result.String(row, 3));
        logger.LogInformation("BigQuery backfill {Object}#{Generation}: {Status}", load.ObjectUri, load.Generation, outcome.Status);
        return outcome;
    }

    /// <summary>
    /// Stages the object with a load job whose id is derived from the load, so a redelivered event finds the job an
    /// earlier delivery started (409) and polls it. A job reused that way must have filled the staging table that
    /// exists now; a job that failed for a transient reason is not final. Either way the next attempt id is used.
    /// Returns the job's error when it failed for good.
    /// </summary>
    private async Task<ErrorProto?> StageAsync(CsvLoad load, string id, TableReference staging, TableSchema schema, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            await client.InsertTableAsync(new Table(staging, schema,
                ExpirationTime: (clock.GetUtcNow() + s_stagingLifetime).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)), cancellationToken);
            var jobId = "backfill_" + id + (attempt == 0 ? "" : $"_r{attempt}");
            var job = await client.WaitForJobAsync(await client.InsertJobAsync(new Job(new JobReference(options.Project, jobId, options.Location),
                new JobConfiguration(new JobConfigurationLoad([load.ObjectUri], staging, schema),
                    new Dictionary<string, string> { ["pipeline"] = "backfill-csv" })), cancellationToken), cancellationToken);
            if (job.Status?.ErrorResult is { } error)
            {
                if (!s_transientJobErrors.Contains(error.Reason ?? "") || attempt >= MaxLoadAttempts)
                {
                    return error;
                }
                logger.LogWarning("Load job {JobId} failed transiently ({Reason}); starting another", jobId, error.Reason);
                continue;
            }
            var staged = (await client.GetTableAsync(staging, cancellationToken))?.NumRows;
            if (job.Statistics?.Load?.OutputRows is not { } output || staged is null || staged == output || attempt >= MaxLoadAttempts)
            {
                return null;
            }
            logger.LogWarning("Load job {JobId} wrote {Output} rows but the staging table holds {Staged}; loading again", jobId, output, staged);
        }
    }

    /// <summary>Skipped when this generation already has a final outcome or a newer generation is loaded; null otherwise.</summary>
    private async Task<LoadOutcome?> DecidedAsync(CsvLoad load, TableReference target, DateTime startedAt, CancellationToken cancellationToken)
    {
        var result = await QueryAsync($"""
            SELECT status, SAFE_CAST(generation AS INT64) AS generation, error FROM {BigQueryOptions.Sql(options.LoadLog)}
            WHERE object = @object AND target = @target AND status IN ('loaded', 'failed')
            """, Parameters(load, target, startedAt), cancellationToken);
        var outcomes = result.Rows.Select(r => (Status: result.String(r, 0)!, Generation: result.Int64(r, 1), Error: result.String(r, 2))).ToList();
        var newest = outcomes.Where(o => o.Status == "loaded").Select(o => o.Generation).DefaultIfEmpty(-1).Max();
        if (newest == load.Generation)
        {
            return LoadOutcome.Skipped($"generation {load.Generation} is already loaded");
        }
        if (newest > load.Generation)
        {
            return LoadOutcome.Skipped($"superseded: generation {newest} is already loaded");
        }
        return outcomes.FirstOrDefault(o => o.Status == "failed" && o.Generation == load.Generation) is { Status: not null } failed
            ? LoadOutcome.Skipped($"generation {load.Generation} already failed: {failed.Error}")
            : null;
    }

    /// <summary>The job (and staging table) id: the same for every delivery of one object generation.</summary>
    public static string JobId(CsvLoad load)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{load.ObjectUri}#{load.Generation}>{load.Target}"));
        return Convert.ToHexStringLower(hash)[..40];
    }

    private List<QueryParameter> Parameters(CsvLoad load, TableReference target, DateTime startedAt) =>
    [
        Values.Parameter("object", load.ObjectUri),
        Values.Parameter("generation", load.Generation.ToString(CultureInfo.InvariantCulture)),
        Values.Parameter("target", target.TableId),
        Values.Parameter("object_prefix", load.ObjectEventIdPrefix),
        Values.Parameter("event_prefix", load.EventIdPrefix),
        Values.Parameter("max_bad_rows", (long)load.MaxBadRows),
        Values.Parameter("started_at", startedAt),
    ];

    /// <summary>A load_log row for an attempt that never reached the script (no header, a failed load job).</summary>
    private Task RecordAsync(CsvLoad load, TableReference target, LoadOutcome outcome, DateTime startedAt, CancellationToken cancellationToken) =>
        QueryAsync($"""
            INSERT INTO {BigQueryOptions.Sql(options.LoadLog)} (object, generation, target, status, rows_loaded, rows_rejected, error, started_at, finished_at)
            VALUES (@object, @generation, @target, @status, 0, 0, @error, @started_at, CURRENT_TIMESTAMP())
            """,
            [.. Parameters(load, target, startedAt), Values.Parameter("status", outcome.Status.ToString().ToLowerInvariant()), Values.Parameter("error", outcome.Error ?? "")],
            cancellationToken);

    private Task<QueryResult> QueryAsync(string sql, IEnumerable<QueryParameter> parameters, CancellationToken cancellationToken) =>
        client.QueryAsync(options.Project, options.Query(sql, parameters), cancellationToken);

    private static (string Bucket, string Object) SplitUri(string uri)
    {
        const string scheme = "gs://";
        var slash = uri.IndexOf('/', scheme.Length);
        return uri.StartsWith(scheme, StringComparison.Ordinal) && slash > scheme.Length
            ? (uri[scheme.Length..slash], uri[(slash + 1)..])
            : throw new ArgumentException($"Not a Cloud Storage URI: {uri}", nameof(uri));
    }

    private static DateTime TruncateToMicroseconds(DateTime utc) => new(utc.Ticks - utc.Ticks % 10, DateTimeKind.Utc);
}

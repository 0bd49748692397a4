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
    private static readonly TimeSpan s_stagingLifetime = TimeSpan.FromDays(1);

    public async Task<LoadOutcome> LoadAsync(CsvLoad load, CancellationToken cancellationToken)
    {
        var startedAt = TruncateToMicroseconds(clock.GetUtcNow().UtcDateTime);
        var target = load.Target == RecordKind.Interaction ? options.Interactions : options.ContentMeta;
        var loaded = await LoadedGenerationAsync(load, target, startedAt, cancellationToken);
        if (loaded >= load.Generation)
        {
            var skipped = LoadOutcome.Skipped(loaded == load.Generation
                ? $"generation {load.Generation} is already loaded"
                : $"superseded: generation {loaded} is already loaded");
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
        await client.InsertTableAsync(new Table(staging, schema,
            ExpirationTime: (clock.GetUtcNow() + s_stagingLifetime).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)), cancellationToken);
        var job = await client.InsertJobAsync(new Job(new JobReference(options.Project, "backfill_" + id, options.Location),
            new JobConfiguration(new JobConfigurationLoad([load.ObjectUri], staging, schema),
                new Dictionary<string, string> { ["pipeline"] = "backfill-csv" })), cancellationToken);
        try
        {
            await client.WaitForJobAsync(job, cancellationToken);
        }
        catch (BigQueryException e) when (e.Status is null)
        {
            var failed = LoadOutcome.Failed($"the load job failed: {e.Message}");
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

    private async Task<long> LoadedGenerationAsync(CsvLoad load, TableReference target, DateTime startedAt, CancellationToken cancellationToken)
    {
        var result = await QueryAsync($"""
            SELECT MAX(SAFE_CAST(generation AS INT64)) FROM {BigQueryOptions.Sql(options.LoadLog)}
            WHERE object = @object AND target = @target AND status = 'loaded'
            """, Parameters(load, target, startedAt), cancellationToken);
        return result.Rows.Count == 1 && result.String(result.Rows[0], 0) is { } generation
            ? long.Parse(generation, CultureInfo.InvariantCulture)
            : -1;
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
        client.QueryAsync(options.Project, new QueryRequest(sql, Values.UsedBy(sql, parameters), options.Location, Guid.NewGuid().ToString(),
            FormatOptions: new DataFormatOptions(UseInt64Timestamp: true)), cancellationToken);

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

using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Pipeline.Domain.Retries;
using Pipeline.Domain.Schema;
using Pipeline.Warehouse.BigQuery.Rest;

namespace Pipeline.Warehouse.BigQuery;

/// <summary>
/// Where the warehouse lives in BigQuery, from the environment: <c>GOOGLE_CLOUD_PROJECT</c>, <c>BIGQUERY_DATASET</c>,
/// <c>BIGQUERY_LOCATION</c> (required); optional full table ids <c>BIGQUERY_TABLE_USER_INTERACTION</c>,
/// <c>BIGQUERY_TABLE_CONTENT_META</c>, <c>BIGQUERY_TABLE_INGEST_ERRORS</c>, <c>BIGQUERY_TABLE_LOAD_LOG</c>
/// (<c>project.dataset.table</c>, e.g. the seed's <c>project.user_interaction.user_interaction_partitioned</c>);
/// <c>BIGQUERY_EMULATOR_HOST</c> (a root URL; no auth) and <c>BIGQUERY_RETRY_BUDGET_SECONDS</c> (default 8).
/// </summary>
/// <param name="Project">The project jobs run in and bill to (<c>GOOGLE_CLOUD_PROJECT</c>).</param>
/// <param name="Dataset">The dataset of the default tables and of the backfill's staging tables (<c>BIGQUERY_DATASET</c>).</param>
/// <param name="Location">Where jobs run, the dataset's location (<c>BIGQUERY_LOCATION</c>).</param>
public sealed partial record BigQueryOptions(string Project, string Dataset, string Location)
{
    /// <summary>The OAuth scope requests are authorised for.</summary>
    public const string Scope = "https://www.googleapis.com/auth/bigquery";

    /// <summary>Google's public BigQuery endpoint, the default <see cref="ApiRoot"/>.</summary>
    public static readonly Uri ProductionRoot = new("https://bigquery.googleapis.com/");

    /// <summary>The variables <see cref="FromConfiguration"/> reads, each with what it sets (a program's <c>--help</c> lists them).</summary>
    public static IReadOnlyList<(string Name, string Description)> Variables { get; } =
    [
        ("GOOGLE_CLOUD_PROJECT", "The project BigQuery jobs run in and bill to (required)"),
        ("BIGQUERY_DATASET", "The dataset of the tables (required)"),
        ("BIGQUERY_LOCATION", "The dataset's location, where jobs run, e.g. EU (required)"),
        ("BIGQUERY_TABLE_USER_INTERACTION", "Full table id project.dataset.table of user_interaction (default: in the dataset)"),
        ("BIGQUERY_TABLE_CONTENT_META", "Full table id of content_meta (default: in the dataset)"),
        ("BIGQUERY_TABLE_INGEST_ERRORS", "Full table id of ingest_errors (default: in the dataset)"),
        ("BIGQUERY_TABLE_LOAD_LOG", "Full table id of load_log (default: in the dataset)"),
        ("BIGQUERY_EMULATOR_HOST", "A BigQuery stand-in's root URL; requests then carry no credentials"),
        ("BIGQUERY_RETRY_BUDGET_SECONDS", "Time one delivery's writes may take, retries included (default 8)"),
    ];

    /// <summary>The user-interaction table (<c>BIGQUERY_TABLE_USER_INTERACTION</c>, else <c>user_interaction</c> in the dataset).</summary>
    public TableReference Interactions { get; init; } = null!;

    /// <summary>The content-meta table (<c>BIGQUERY_TABLE_CONTENT_META</c>, else <c>content_meta</c> in the dataset).</summary>
    public TableReference ContentMeta { get; init; } = null!;

    /// <summary>The dead-letter table (<c>BIGQUERY_TABLE_INGEST_ERRORS</c>, else <c>ingest_errors</c> in the dataset).</summary>
    public TableReference IngestErrors { get; init; } = null!;

    /// <summary>The backfill's load log (<c>BIGQUERY_TABLE_LOAD_LOG</c>, else <c>load_log</c> in the dataset).</summary>
    public TableReference LoadLog { get; init; } = null!;

    /// <summary>The backfill's claim rows (<c>backfill_lock</c>), in the load log's dataset.</summary>
    public TableReference BackfillLock => new(LoadLog.ProjectId, LoadLog.DatasetId, WarehouseSchema.BackfillLock.Name);

    /// <summary>Set in emulator mode: requests go there without credentials.</summary>
    public Uri? EmulatorRoot { get; init; }

    /// <summary>The API's root outside emulator mode (a regional or private endpoint may replace it).</summary>
    public Uri ApiRoot { get; init; } = ProductionRoot;

    /// <summary>
    /// <c>BIGQUERY_RETRY_BUDGET_SECONDS</c>: the time one ingest delivery's writes may take, every call, retry and resend
    /// included (<see cref="BigQueryWarehouse.WriteAsync"/> gives up then, and the function answers 5xx); also the
    /// time any one call may take. Kept well inside the trigger's ack deadline (60 s), with 2 s to spare for the answer
    /// (docs/architecture.md, Retries).
    /// </summary>
    public TimeSpan RetryBudget { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// The wait between two attempts of anything this adapter retries: a call (inside the HTTP handler), insertAll
    /// rows BigQuery did not take, an upload request. 200 ms after the first failure, doubling, at most 4 s, less up
    /// to half at random.
    /// </summary>
    public Backoff Backoff { get; init; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(4));

    /// <summary>
    /// The backfill's upload chunk: a multiple of 256 KiB (<see cref="BigQueryRestClient.UploadChunkQuantum"/>); the
    /// staging buffer holds about one. 8 MiB by default; tests use a smaller one to see several chunks.
    /// </summary>
    public int UploadChunkBytes { get; init; } = 32 * BigQueryRestClient.UploadChunkQuantum;

    /// <summary>The REST v2 base the named client's requests are relative to (emulator or <see cref="ApiRoot"/>).</summary>
    public Uri ApiBase => new(EmulatorRoot ?? ApiRoot, "bigquery/v2/");

    /// <summary>Where load data is uploaded with its job (<c>jobs.insert</c>'s media upload path).</summary>
    public Uri UploadBase => new(EmulatorRoot ?? ApiRoot, "upload/bigquery/v2/");

    /// <summary>
    /// Reads the variables above. Throws <see cref="InvalidOperationException"/>, naming every required variable that is
    /// missing at once, or the variable when a table id is not <c>project.dataset.table</c> or the retry budget is not
    /// a positive number.
    /// </summary>
    public static BigQueryOptions FromConfiguration(IConfiguration configuration)
    {
        string[] required = ["GOOGLE_CLOUD_PROJECT", "BIGQUERY_DATASET", "BIGQUERY_LOCATION"];
        if (required.Where(variable => string.IsNullOrEmpty(configuration[variable])).ToList() is { Count: > 0 } missing)
        {
            throw new InvalidOperationException(
                $"the BigQuery warehouse needs {string.Join(", ", required)}; not set: {string.Join(", ", missing)}. Set {(missing.Count == 1 ? "it" : "them")} in the environment.");
        }
        var (project, dataset, location) = (configuration[required[0]]!, configuration[required[1]]!, configuration[required[2]]!);
        TableReference Table(string variable, string name) =>
            configuration[variable] is { Length: > 0 } id ? ParseTableId(variable, id) : new TableReference(project, dataset, name);
        var budget = configuration["BIGQUERY_RETRY_BUDGET_SECONDS"];
        return new BigQueryOptions(project, dataset, location)
        {
            Interactions = Table("BIGQUERY_TABLE_USER_INTERACTION", WarehouseSchema.UserInteraction.Name),
            ContentMeta = Table("BIGQUERY_TABLE_CONTENT_META", WarehouseSchema.ContentMeta.Name),
            IngestErrors = Table("BIGQUERY_TABLE_INGEST_ERRORS", WarehouseSchema.IngestErrors.Name),
            LoadLog = Table("BIGQUERY_TABLE_LOAD_LOG", WarehouseSchema.LoadLog.Name),
            EmulatorRoot = configuration["BIGQUERY_EMULATOR_HOST"] is { Length: > 0 } host
                ? new Uri(host.Contains("://", StringComparison.Ordinal) ? host.TrimEnd('/') + "/" : $"http://{host.TrimEnd('/')}/")
                : null,
            RetryBudget = budget is null ? TimeSpan.FromSeconds(8)
                : double.TryParse(budget, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds)
                : throw new InvalidOperationException($"BIGQUERY_RETRY_BUDGET_SECONDS must be a positive number of seconds, got '{budget}'."),
        };
    }

    /// <summary>
    /// A GoogleSQL query job in this location: the parameters the text names (BigQuery is not asked to accept ones a
    /// statement never uses), a fresh requestId, exact int64 timestamps, and a short server-side wait the caller polls on.
    /// </summary>
    public QueryRequest Query(string sql, IEnumerable<QueryParameter> parameters) =>
        new(sql, Values.UsedBy(sql, parameters), Location, Guid.NewGuid().ToString(),
            FormatOptions: new DataFormatOptions(UseInt64Timestamp: true), TimeoutMs: BigQueryRestClient.ServerWaitMs);

    /// <summary>
    /// <see cref="Query"/> in the short-query mode (<c>jobCreationMode</c> <see cref="QueryRequest.JobCreationOptional"/>):
    /// BigQuery may answer without creating a job, rows inline, or create one anyway (a long run, a large result), which
    /// is then polled and paged as usual. For read-only queries whose whole answer is wanted at once (UserContent);
    /// statements whose job is looked up later keep <see cref="Query"/>.
    /// </summary>
    public QueryRequest ShortQuery(string sql, IEnumerable<QueryParameter> parameters) =>
        Query(sql, parameters) with { JobCreationMode = QueryRequest.JobCreationOptional };

    /// <summary>A table as GoogleSQL names it: <c>`project.dataset.table`</c> (ids are checked, never user input).</summary>
    public static string Sql(TableReference table) => $"`{table.ProjectId}.{table.DatasetId}.{table.TableId}`";

    private static TableReference ParseTableId(string variable, string id)
    {
        var match = TableId().Match(id);
        return match.Success
            ? new TableReference(match.Groups[1].Value, match.Groups[2].Value, match.Groups[3].Value)
            : throw new InvalidOperationException($"{variable} must be a full table id project.dataset.table, got '{id}'.");
    }

    [GeneratedRegex(@"^([a-z0-9:.\-]+)\.([A-Za-z0-9_]+)\.([A-Za-z0-9_\-$]+)$")]
    private static partial Regex TableId();
}

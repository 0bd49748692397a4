using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Warehouse.BigQuery.Rest;

// The BigQuery REST v2 resources this product uses, field for field as the discovery document names them.
// int64 fields are strings on the wire; the serializer context reads them from strings or numbers.

/// <summary>One error BigQuery reports, in a failed call's body, an insert error, a job's or a query's status.</summary>
/// <param name="Reason">The short code retries and callers decide on: <c>backendError</c>, <c>invalid</c>, <c>notFound</c>, <c>duplicate</c>, ….</param>
/// <param name="Location">Where the error is, when BigQuery says (a field, a query position).</param>
/// <param name="Message">The error in words.</param>
public sealed record ErrorProto(string? Reason, string? Location, string? Message);

/// <summary>The body of a failed call: <c>{"error": …}</c>.</summary>
/// <param name="Error">The error; null when the body is JSON of another shape.</param>
public sealed record ErrorEnvelope(ErrorBody? Error);

/// <summary>What a failed call's body says went wrong.</summary>
/// <param name="Code">The HTTP status code.</param>
/// <param name="Message">The error in words.</param>
/// <param name="Errors">Every error, each with its reason.</param>
/// <param name="Status">The canonical status name (<c>NOT_FOUND</c>, <c>ALREADY_EXISTS</c>, …).</param>
public sealed record ErrorBody(int Code, string? Message, IReadOnlyList<ErrorProto>? Errors, string? Status);

/// <summary>A table's full id, <c>project.dataset.table</c>.</summary>
/// <param name="ProjectId">The project that owns the dataset.</param>
/// <param name="DatasetId">The dataset that holds the table.</param>
/// <param name="TableId">The table within the dataset.</param>
public sealed record TableReference(string ProjectId, string DatasetId, string TableId);

/// <summary>A dataset's full id, <c>project.dataset</c>.</summary>
/// <param name="ProjectId">The project that owns the dataset.</param>
/// <param name="DatasetId">The dataset within the project.</param>
public sealed record DatasetReference(string ProjectId, string DatasetId);

/// <summary>A job's id, which is also what <c>jobs.get</c> and <c>jobs.getQueryResults</c> are called with.</summary>
/// <param name="ProjectId">The project the job runs in.</param>
/// <param name="JobId">The job's id, unique in the project; client-chosen for backfill jobs, so a retry finds the job it started.</param>
/// <param name="Location">Where the job runs; needed to find it outside the US and EU multi-regions.</param>
public sealed record JobReference(string ProjectId, string JobId, string? Location);

/// <summary>One row of a <c>tabledata.insertAll</c> request.</summary>
/// <param name="InsertId">The key BigQuery de-duplicates retried inserts on, best effort (the row's event id).</param>
/// <param name="Json">
/// The row's values by column name: a JSON object in UTF-8, serialized once by the caller (who sizes the request by
/// these bytes) and written into the request as is.
/// </param>
public sealed record InsertAllRow(string? InsertId, [property: JsonConverter(typeof(Utf8JsonObjectConverter))] ReadOnlyMemory<byte> Json);

/// <summary>Writes a JSON value that is already UTF-8 JSON as is; reads one back as its UTF-8 text.</summary>
internal sealed class Utf8JsonObjectConverter : JsonConverter<ReadOnlyMemory<byte>>
{
    public override ReadOnlyMemory<byte> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return System.Text.Encoding.UTF8.GetBytes(document.RootElement.GetRawText());
    }

    public override void Write(Utf8JsonWriter writer, ReadOnlyMemory<byte> value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Span, skipInputValidation: true);
}

/// <summary>A <c>tabledata.insertAll</c> request: rows streamed into one table.</summary>
/// <param name="Rows">The rows to insert.</param>
/// <param name="SkipInvalidRows">Insert the valid rows even when some are invalid; when false, one invalid row keeps the whole request out.</param>
/// <param name="IgnoreUnknownValues">Accept values for columns the table does not have, dropping them; when false, such a row is invalid.</param>
public sealed record InsertAllRequest(IReadOnlyList<InsertAllRow> Rows, bool SkipInvalidRows = false, bool IgnoreUnknownValues = false);

/// <summary>Why one row of an insertAll request was not inserted.</summary>
/// <param name="Index">The row's position in the request's <see cref="InsertAllRequest.Rows"/>.</param>
/// <param name="Errors">What is wrong; reason <c>stopped</c> marks a valid row kept out because another row was invalid.</param>
public sealed record InsertError(int Index, IReadOnlyList<ErrorProto>? Errors);

/// <summary>The answer to <c>tabledata.insertAll</c>.</summary>
/// <param name="InsertErrors">The rows not inserted and why; null or empty when every row was.</param>
public sealed record InsertAllResponse(IReadOnlyList<InsertError>? InsertErrors);

/// <summary>A query parameter's type.</summary>
/// <param name="Type">A GoogleSQL scalar type: <c>INT64</c>, <c>STRING</c>, <c>FLOAT64</c>, <c>TIMESTAMP</c>.</param>
public sealed record QueryParameterType(string Type);

/// <summary>A query parameter's value.</summary>
/// <param name="Value">The value as text (numbers invariant, timestamps ISO-8601 UTC); null for SQL NULL.</param>
public sealed record QueryParameterValue(string? Value);

/// <summary>A named query parameter, <c>@name</c> in the query text.</summary>
/// <param name="Name">The name, without the <c>@</c>.</param>
/// <param name="ParameterType">Its type.</param>
/// <param name="ParameterValue">Its value.</param>
public sealed record QueryParameter(string Name, QueryParameterType ParameterType, QueryParameterValue ParameterValue);

/// <summary>How query results are encoded.</summary>
/// <param name="UseInt64Timestamp">TIMESTAMP cells as int64 microseconds since the epoch, exact, instead of floating-point seconds.</param>
public sealed record DataFormatOptions(bool UseInt64Timestamp);

/// <summary>A <c>jobs.query</c> request: a GoogleSQL query run as a job, answered with its first page when it finishes in time.</summary>
/// <param name="Query">The GoogleSQL text; every value in it is a parameter.</param>
/// <param name="QueryParameters">The parameters the text names.</param>
/// <param name="Location">Where the job runs, the dataset's location.</param>
/// <param name="RequestId">An idempotency key: a retried request with the same id does not run the query twice.</param>
/// <param name="UseLegacySql">Always false: the query is GoogleSQL.</param>
/// <param name="ParameterMode"><c>NAMED</c>: parameters are <c>@name</c>, not positional.</param>
/// <param name="FormatOptions">How the result cells are encoded; null for BigQuery's defaults.</param>
/// <param name="TimeoutMs">How long the server waits for the job before answering <c>jobComplete: false</c>; null for its default.</param>
/// <param name="MaxResults">The most rows per page; null for BigQuery's page size.</param>
/// <param name="JobCreationMode">
/// <see cref="JobCreationOptional"/> lets BigQuery answer a short query without creating a job (the answer then has a
/// <c>queryId</c> and no <c>jobReference</c>); null for BigQuery's default, <c>JOB_CREATION_REQUIRED</c>: always a job.
/// </param>
public sealed record QueryRequest(
    string Query,
    IReadOnlyList<QueryParameter> QueryParameters,
    string? Location,
    string RequestId,
    bool UseLegacySql = false,
    string ParameterMode = "NAMED",
    DataFormatOptions? FormatOptions = null,
    long? TimeoutMs = null,
    long? MaxResults = null,
    string? JobCreationMode = null)
{
    /// <summary>The short-query mode: BigQuery creates a job only when it needs one (a long run, a large result, …).</summary>
    public const string JobCreationOptional = "JOB_CREATION_OPTIONAL";
}

/// <summary>One column of a table or a query result.</summary>
/// <param name="Name">The column name.</param>
/// <param name="Type">Its type (<c>INT64</c>, <c>STRING</c>, <c>FLOAT64</c>, <c>TIMESTAMP</c>, …).</param>
/// <param name="Mode"><c>NULLABLE</c> (when null), <c>REQUIRED</c> or <c>REPEATED</c>.</param>
public sealed record TableFieldSchema(string Name, string Type, string? Mode = null);

/// <summary>A table's or a query result's columns.</summary>
/// <param name="Fields">The columns, in order.</param>
public sealed record TableSchema(IReadOnlyList<TableFieldSchema> Fields);

/// <summary>One cell of a result row.</summary>
/// <param name="V">The value: a JSON string for every scalar type, JSON null for SQL NULL.</param>
public sealed record TableCell(JsonElement V);

/// <summary>One result row.</summary>
/// <param name="F">The cells, in the order of the schema's fields.</param>
public sealed record TableRow(IReadOnlyList<TableCell> F);

/// <summary>Why BigQuery created a job for a <c>jobs.query</c> asked with <see cref="QueryRequest.JobCreationOptional"/>.</summary>
/// <param name="Code"><c>REQUESTED</c>, <c>LONG_RUNNING</c> (not done within timeoutMs), <c>LARGE_RESULTS</c> (more than one answer holds), <c>OTHER</c>.</param>
public sealed record JobCreationReason(string? Code);

/// <summary>
/// The answer to <c>jobs.query</c> or <c>jobs.getQueryResults</c>: one page of a query's result, or word that it is still
/// running. A <c>jobs.query</c> asked with <see cref="QueryRequest.JobCreationOptional"/> may come back without a job:
/// complete, every row inline, a <see cref="QueryId"/> and no <see cref="JobReference"/> (there is nothing to poll or page).
/// </summary>
/// <param name="JobComplete">Whether the query has finished; when false, poll again with <paramref name="JobReference"/>.</param>
/// <param name="JobReference">The query's job; null when BigQuery ran the query without one.</param>
/// <param name="Schema">The result's columns, once complete.</param>
/// <param name="Rows">This page's rows; null when there are none.</param>
/// <param name="PageToken">Where the next page starts; null or empty on the last page.</param>
/// <param name="TotalRows">The result's row count (an int64 as a string).</param>
/// <param name="Errors">Errors met on the way; fatal ones come as an HTTP error instead.</param>
/// <param name="QueryId">The query's id, auto-generated; set when BigQuery answered without a job.</param>
/// <param name="JobCreationReason">Why BigQuery created a job although it was optional; only with a job reference.</param>
public sealed record QueryResponse(
    bool JobComplete,
    JobReference? JobReference,
    TableSchema? Schema,
    IReadOnlyList<TableRow>? Rows,
    string? PageToken,
    string? TotalRows,
    IReadOnlyList<ErrorProto>? Errors,
    string? QueryId = null,
    JobCreationReason? JobCreationReason = null);

/// <summary>Where a job is.</summary>
/// <param name="State"><c>PENDING</c>, <c>RUNNING</c> or <c>DONE</c>.</param>
/// <param name="ErrorResult">Why a DONE job failed; null when it succeeded (or is not done).</param>
/// <param name="Errors">Every error met, some of which may not have failed the job.</param>
public sealed record JobStatus(string? State, ErrorProto? ErrorResult, IReadOnlyList<ErrorProto>? Errors);

/// <summary>
/// A load job's configuration: the uploaded data's format and options, and where it goes. A gzip upload needs no
/// field: BigQuery reads gzip CSV and newline-delimited JSON by their content (load configurations have no
/// <c>compression</c>).
/// </summary>
/// <param name="DestinationTable">The table the rows go to (a backfill's staging table).</param>
/// <param name="Schema">The destination's columns, for a table the job creates; a headerless CSV's fields are read in this order.</param>
/// <param name="SourceFormat">The uploaded data's format: <c>CSV</c> or <c>NEWLINE_DELIMITED_JSON</c>.</param>
/// <param name="CreateDisposition">Whether the job may create the destination.</param>
/// <param name="WriteDisposition"><c>WRITE_EMPTY</c>: the job fails rather than add to a table that already has rows.</param>
/// <param name="MaxBadRecords">How many rows may fail to load before the job fails: none, the rows are validated already.</param>
/// <param name="FieldDelimiter">CSV: the byte between fields (BigQuery's default is <c>,</c>).</param>
/// <param name="AllowQuotedNewlines">CSV: a quoted field may hold line breaks (a dead letter's raw payload may).</param>
/// <param name="PreserveAsciiControlCharacters">CSV: control characters (<c>\x00</c>–<c>\x1F</c>) in a field are kept as they are.</param>
/// <param name="Encoding">CSV: the data's character encoding.</param>
/// <param name="SkipLeadingRows">CSV: header rows to skip; none in a headerless file.</param>
public sealed record JobConfigurationLoad(
    TableReference DestinationTable,
    TableSchema Schema,
    string SourceFormat = "NEWLINE_DELIMITED_JSON",
    string CreateDisposition = "CREATE_IF_NEEDED",
    string WriteDisposition = "WRITE_EMPTY",
    int MaxBadRecords = 0,
    string? FieldDelimiter = null,
    bool? AllowQuotedNewlines = null,
    bool? PreserveAsciiControlCharacters = null,
    string? Encoding = null,
    int? SkipLeadingRows = null);

/// <summary>A GoogleSQL query or script run as a job with a client-chosen id.</summary>
/// <param name="Query">The GoogleSQL text; every value in it is a parameter.</param>
/// <param name="QueryParameters">The parameters the text names.</param>
/// <param name="UseLegacySql">Always false: the query is GoogleSQL.</param>
/// <param name="ParameterMode"><c>NAMED</c>: parameters are <c>@name</c>, not positional.</param>
public sealed record JobConfigurationQuery(
    string Query,
    IReadOnlyList<QueryParameter> QueryParameters,
    bool UseLegacySql = false,
    string ParameterMode = "NAMED");

/// <summary>What a job does: exactly one of a load and a query.</summary>
/// <param name="Load">A load job's configuration.</param>
/// <param name="Query">A query job's configuration.</param>
/// <param name="Labels">Labels on the job (a backfill's carry <c>pipeline=backfill-csv</c>), to tell its jobs apart in job lists and billing.</param>
public sealed record JobConfiguration(
    JobConfigurationLoad? Load = null, JobConfigurationQuery? Query = null, IReadOnlyDictionary<string, string>? Labels = null);

/// <summary>What a load job did.</summary>
/// <param name="OutputRows">The rows it loaded (an int64 as a string).</param>
public sealed record JobStatisticsLoad(string? OutputRows);

/// <summary>A job's statistics; only a load's are read.</summary>
/// <param name="Load">A load job's statistics; null for other jobs.</param>
public sealed record JobStatistics(JobStatisticsLoad? Load);

/// <summary>A job resource, as sent to <c>jobs.insert</c> and returned by it and by <c>jobs.get</c>.</summary>
/// <param name="JobReference">The job's id.</param>
/// <param name="Configuration">What the job does.</param>
/// <param name="Status">Where it is; set by BigQuery.</param>
/// <param name="Statistics">What it did; set by BigQuery.</param>
public sealed record Job(JobReference JobReference, JobConfiguration? Configuration, JobStatus? Status = null, JobStatistics? Statistics = null);

/// <summary>A table resource, as sent to <c>tables.insert</c> and returned by <c>tables.get</c>.</summary>
/// <param name="TableReference">The table's id.</param>
/// <param name="Schema">Its columns.</param>
/// <param name="ExpirationTime">When BigQuery deletes it, in milliseconds since the epoch (an int64 as a string); null for never.</param>
/// <param name="NumRows">Its row count (an int64 as a string), as <c>tables.get</c> reports it.</param>
public sealed record Table(TableReference TableReference, TableSchema? Schema = null, string? ExpirationTime = null, string? NumRows = null);

/// <summary>A dataset resource.</summary>
/// <param name="DatasetReference">The dataset's id.</param>
/// <param name="Location">Where its data lives, and so where its jobs run.</param>
public sealed record Dataset(DatasetReference DatasetReference, string? Location);

/// <summary>
/// The source-generated JSON contract of these resources: camelCase names, nulls left out, numbers also read from
/// strings (int64 fields are strings on the wire).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(InsertAllRequest))]
[JsonSerializable(typeof(InsertAllResponse))]
[JsonSerializable(typeof(QueryRequest))]
[JsonSerializable(typeof(QueryResponse))]
[JsonSerializable(typeof(Job))]
[JsonSerializable(typeof(Table))]
[JsonSerializable(typeof(Dataset))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(bool))]
public sealed partial class BigQueryJson : JsonSerializerContext;

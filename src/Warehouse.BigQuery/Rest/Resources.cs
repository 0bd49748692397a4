using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Warehouse.BigQuery.Rest;

// The BigQuery REST v2 resources this product uses, field for field as the discovery document names them.
// int64 fields are strings on the wire; the serializer context reads them from strings or numbers.

public sealed record ErrorProto(string? Reason, string? Location, string? Message);

public sealed record ErrorEnvelope(ErrorBody? Error);

public sealed record ErrorBody(int Code, string? Message, IReadOnlyList<ErrorProto>? Errors, string? Status);

public sealed record TableReference(string ProjectId, string DatasetId, string TableId);

public sealed record DatasetReference(string ProjectId, string DatasetId);

public sealed record JobReference(string ProjectId, string JobId, string? Location);

public sealed record InsertAllRow(string? InsertId, IReadOnlyDictionary<string, object?> Json);

public sealed record InsertAllRequest(IReadOnlyList<InsertAllRow> Rows, bool SkipInvalidRows = false, bool IgnoreUnknownValues = false);

public sealed record InsertError(int Index, IReadOnlyList<ErrorProto>? Errors);

public sealed record InsertAllResponse(IReadOnlyList<InsertError>? InsertErrors);

public sealed record QueryParameterType(string Type);

public sealed record QueryParameterValue(string? Value);

public sealed record QueryParameter(string Name, QueryParameterType ParameterType, QueryParameterValue ParameterValue);

public sealed record DataFormatOptions(bool UseInt64Timestamp);

public sealed record QueryRequest(
    string Query,
    IReadOnlyList<QueryParameter> QueryParameters,
    string? Location,
    string RequestId,
    bool UseLegacySql = false,
    string ParameterMode = "NAMED",
    DataFormatOptions? FormatOptions = null,
    long? TimeoutMs = null,
    long? MaxResults = null);

public sealed record TableFieldSchema(string Name, string Type, string? Mode = null);

public sealed record TableSchema(IReadOnlyList<TableFieldSchema> Fields);

public sealed record TableCell(JsonElement V);

public sealed record TableRow(IReadOnlyList<TableCell> F);

public sealed record QueryResponse(
    bool JobComplete,
    JobReference? JobReference,
    TableSchema? Schema,
    IReadOnlyList<TableRow>? Rows,
    string? PageToken,
    string? TotalRows,
    IReadOnlyList<ErrorProto>? Errors);

public sealed record JobStatus(string? State, ErrorProto? ErrorResult, IReadOnlyList<ErrorProto>? Errors);

/// <summary>A load job's configuration: newline-delimited JSON of validated rows, uploaded with the job.</summary>
public sealed record JobConfigurationLoad(
    TableReference DestinationTable,
    TableSchema Schema,
    string SourceFormat = "NEWLINE_DELIMITED_JSON",
    string CreateDisposition = "CREATE_IF_NEEDED",
    string WriteDisposition = "WRITE_EMPTY",
    int MaxBadRecords = 0);

/// <summary>A GoogleSQL query or script run as a job with a client-chosen id.</summary>
public sealed record JobConfigurationQuery(
    string Query,
    IReadOnlyList<QueryParameter> QueryParameters,
    bool UseLegacySql = false,
    string ParameterMode = "NAMED");

public sealed record JobConfiguration(
    JobConfigurationLoad? Load = null, JobConfigurationQuery? Query = null, IReadOnlyDictionary<string, string>? Labels = null);

public sealed record JobStatisticsLoad(string? OutputRows);

public sealed record JobStatistics(JobStatisticsLoad? Load);

public sealed record Job(JobReference JobReference, JobConfiguration? Configuration, JobStatus? Status = null, JobStatistics? Statistics = null);

public sealed record Table(TableReference TableReference, TableSchema? Schema = null, string? ExpirationTime = null, string? NumRows = null);

public sealed record Dataset(DatasetReference DatasetReference, string? Location);

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

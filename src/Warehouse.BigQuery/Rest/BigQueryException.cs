using System.Net;

namespace Pipeline.Warehouse.BigQuery.Rest;

/// <summary>A BigQuery call or job failed; <see cref="Reasons"/> are the <c>errors[].reason</c> values.</summary>
public sealed class BigQueryException(HttpStatusCode? status, IReadOnlyList<string> reasons, string message)
    : Exception(message)
{
    public HttpStatusCode? Status { get; } = status;

    public IReadOnlyList<string> Reasons { get; } = reasons;

    public bool IsNotFound => Status == HttpStatusCode.NotFound || Reasons.Contains("notFound");

    public bool IsDuplicate => Status == HttpStatusCode.Conflict || Reasons.Contains("duplicate");
}

using System.Net;

namespace Pipeline.Warehouse.BigQuery.Rest;

/// <summary>A BigQuery call or job failed; <see cref="Reasons"/> are the <c>errors[].reason</c> values.</summary>
public sealed class BigQueryException(HttpStatusCode? status, IReadOnlyList<string> reasons, string message)
    : Exception(message)
{
    /// <summary>The HTTP status of the failed call; null when the failure was reported inside a 2xx answer (a job's or query's errors).</summary>
    public HttpStatusCode? Status { get; } = status;

    /// <summary>BigQuery's error reasons (<c>notFound</c>, <c>duplicate</c>, <c>invalid</c>, …); empty when the body had none.</summary>
    public IReadOnlyList<string> Reasons { get; } = reasons;

    /// <summary>The table, job or dataset does not exist: 404, or the reason <c>notFound</c>.</summary>
    public bool IsNotFound => Status == HttpStatusCode.NotFound || Reasons.Contains("notFound");

    /// <summary>What was being created already exists: 409, or the reason <c>duplicate</c>.</summary>
    public bool IsDuplicate => Status == HttpStatusCode.Conflict || Reasons.Contains("duplicate");
}

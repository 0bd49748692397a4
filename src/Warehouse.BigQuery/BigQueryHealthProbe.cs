using Pipeline.Warehouse.BigQuery.Rest;

namespace Pipeline.Warehouse.BigQuery;

/// <summary>
/// Asks BigQuery something cheap — <c>datasets.get</c> of the configured dataset, which needs credentials, the
/// dataset and permission to read it, as every query does — within <see cref="Deadline"/>, and says what it answered.
/// </summary>
public sealed class BigQueryHealthProbe(BigQueryRestClient client, BigQueryOptions options)
{
    /// <summary>How long the probe waits for BigQuery before calling it unavailable.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(5);

    /// <summary>What was asked, for the answer: <c>project:dataset</c>.</summary>
    public string Dataset => $"{options.Project}:{options.Dataset}";

    /// <summary>
    /// Null when BigQuery answered with the dataset, in <see cref="BigQueryOptions.Location"/>; otherwise what went
    /// wrong, in BigQuery's (or the credentials') own words: no credentials, dataset not found, access denied, another
    /// location, no answer within the deadline.
    /// </summary>
    /// <param name="cancellationToken">The caller's cancellation (the request's abort), not the deadline.</param>
    public async Task<string?> ProblemAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Deadline);
        try
        {
            var dataset = await client.GetDatasetAsync(new DatasetReference(options.Project, options.Dataset), deadline.Token);
            return dataset.Location is { Length: > 0 } location && !location.Equals(options.Location, StringComparison.OrdinalIgnoreCase)
                ? $"dataset {Dataset} is in {location}, but BIGQUERY_LOCATION is {options.Location}: jobs would not find it"
                : null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"BigQuery did not answer datasets.get of {Dataset} within {Deadline.TotalSeconds:0} s";
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever failed is the answer: a health probe reports it instead of failing itself.
            return e.Message.ReplaceLineEndings(" ");
        }
    }
}

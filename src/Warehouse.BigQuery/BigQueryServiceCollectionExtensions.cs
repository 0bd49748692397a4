using Google.Apis.Auth.OAuth2;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Pipeline.Warehouse.BigQuery.Rest;

namespace Pipeline.Warehouse.BigQuery;

public static class BigQueryServiceCollectionExtensions
{
    /// <summary>
    /// Wires the BigQuery warehouse from the environment (<see cref="BigQueryOptions.FromConfiguration"/>; a missing
    /// variable stops start-up naming it). Requests carry ADC tokens, unless <c>BIGQUERY_EMULATOR_HOST</c> is set.
    /// </summary>
    public static IServiceCollection AddBigQueryWarehouse(this IServiceCollection services, IConfiguration configuration) =>
        services.AddBigQueryWarehouse(BigQueryOptions.FromConfiguration(configuration));

    public static IServiceCollection AddBigQueryWarehouse(this IServiceCollection services, BigQueryOptions options)
    {
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ITokenAccess>(_ => GoogleAuthHandler.ApplicationDefault());
        services.TryAddSingleton<IObjectHeaderReader>(_ => new LazyHeaderReader());
        var http = services.AddHttpClient(BigQueryRestClient.HttpClientName, client =>
        {
            client.BaseAddress = options.ApiBase;
            client.Timeout = Timeout.InfiniteTimeSpan;
        });
        if (options.EmulatorRoot is null)
        {
            http.AddHttpMessageHandler(provider => new GoogleAuthHandler(provider.GetRequiredService<ITokenAccess>()));
        }
        http.AddResilienceHandler("bigquery-retry", pipeline => BigQueryRetry.Configure(pipeline, options.RetryBudget));
        services.AddSingleton<BigQueryRestClient>();
        services.AddSingleton<BigQueryCsvLoader>();
        services.AddSingleton<BigQueryWarehouse>();
        services.AddSingleton<IWarehouse>(provider => provider.GetRequiredService<BigQueryWarehouse>());
        return services;
    }

    /// <summary>Creates the Cloud Storage client (and looks for its credentials) only when a backfill first needs it.</summary>
    private sealed class LazyHeaderReader : IObjectHeaderReader
    {
        private readonly Lazy<GcsHeaderReader> _reader = new(GcsHeaderReader.Create);

        public Task<IReadOnlyList<string>> ReadHeaderAsync(string bucket, string objectName, CancellationToken cancellationToken) =>
            _reader.Value.ReadHeaderAsync(bucket, objectName, cancellationToken);
    }
}

using Google.Apis.Auth.OAuth2;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Pipeline.Domain.Backfill;
using Pipeline.Warehouse.BigQuery.Rest;

namespace Pipeline.Warehouse.BigQuery;

/// <summary>Registers the production warehouse: BigQuery over its REST API, objects from Cloud Storage.</summary>
public static class BigQueryServiceCollectionExtensions
{
    /// <summary>
    /// Wires the BigQuery warehouse from the environment (<see cref="BigQueryOptions.FromConfiguration"/>; a missing
    /// variable stops start-up naming it). Requests carry ADC tokens, unless <c>BIGQUERY_EMULATOR_HOST</c> is set.
    /// </summary>
    public static IServiceCollection AddBigQueryWarehouse(this IServiceCollection services, IConfiguration configuration) =>
        services.AddBigQueryWarehouse(BigQueryOptions.FromConfiguration(configuration));

    /// <summary>
    /// Wires the BigQuery warehouse on <paramref name="options"/> as the <see cref="IWarehouse"/>: the named REST
    /// client (base <see cref="BigQueryOptions.ApiBase"/>, ADC tokens outside emulator mode, <see cref="BigQueryRetry"/>
    /// within <see cref="BigQueryOptions.RetryBudget"/>, waiting on the registered <see cref="TimeProvider"/>); the
    /// <see cref="BigQueryHealthProbe"/>; backfill's ports (<see cref="BigQueryBackfill"/>, <see cref="GcsObjectSource"/>) and <see cref="CsvBackfill"/> over them. A
    /// <see cref="TimeProvider"/>, <see cref="ITokenAccess"/> or <see cref="IObjectSource"/> registered before is kept.
    /// </summary>
    public static IServiceCollection AddBigQueryWarehouse(this IServiceCollection services, BigQueryOptions options)
    {
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ITokenAccess>(_ => GoogleAuthHandler.ApplicationDefault());
        services.TryAddSingleton<IObjectSource>(_ => new GcsObjectSource());
        var http = services.AddHttpClient(BigQueryRestClient.HttpClientName, client =>
        {
            client.BaseAddress = options.ApiBase;
            client.Timeout = Timeout.InfiniteTimeSpan;
        });
        if (options.EmulatorRoot is null)
        {
            http.AddHttpMessageHandler(provider => new GoogleAuthHandler(provider.GetRequiredService<ITokenAccess>()));
        }
        http.AddResilienceHandler("bigquery-retry", pipeline => BigQueryRetry.Configure(pipeline, options.RetryBudget, options.Backoff));
        services.AddSingleton<BigQueryRestClient>();
        services.AddSingleton<BigQueryBackfill>();
        services.AddSingleton<ILoadLog>(provider => provider.GetRequiredService<BigQueryBackfill>());
        services.AddSingleton<IBackfillSink>(provider => provider.GetRequiredService<BigQueryBackfill>());
        services.AddSingleton<CsvBackfill>();
        services.AddSingleton<BigQueryWarehouse>();
        services.AddSingleton<BigQueryHealthProbe>();
        services.AddSingleton<IWarehouse>(provider => provider.GetRequiredService<BigQueryWarehouse>());
        return services;
    }
}

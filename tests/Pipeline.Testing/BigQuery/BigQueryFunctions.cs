using Pipeline.Functions.Testing;
using Pipeline.Ingestion;
using Pipeline.Warehouse.BigQuery;

namespace Pipeline.Tests.Fixtures;

/// <summary>A function in-process, wired to the BigQuery adapter pointed at a fake BigQuery (emulator mode: no auth).</summary>
public static class BigQueryFunctions
{
    public static readonly DateTimeOffset Now = new(2024, 5, 14, 9, 21, 7, 512, TimeSpan.Zero);

    public static BigQueryOptions Options(FakeBigQuery bigQuery) =>
        BigQueryOptions.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GOOGLE_CLOUD_PROJECT"] = "proj",
            ["BIGQUERY_DATASET"] = "ds",
            ["BIGQUERY_LOCATION"] = "EU",
            ["BIGQUERY_EMULATOR_HOST"] = bigQuery.Root.ToString(),
            ["BIGQUERY_RETRY_BUDGET_SECONDS"] = "5",
        }).Build());

    public static Task<FunctionTestServer<T>> StartAsync<T>(BigQueryOptions options, Action<IServiceCollection>? more = null) where T : class =>
        FunctionTestServer<T>.StartAsync(services =>
        {
            services.AddSingleton<TimeProvider>(new FixedClock(Now));
            more?.Invoke(services);
            services.AddPubSubIngestion().AddBigQueryWarehouse(options);
        });
}

using Pipeline.Functions.BackfillCsv;
using Pipeline.Hosting;
using Pipeline.Warehouse.DuckDb;

await FunctionHost.RunAsync<BackfillCsvFunction>(args, (services, configuration) =>
    services.AddSingleton(BackfillOptions.From(configuration)).AddDuckDbWarehouse(configuration));

using Pipeline.Functions.BackfillCsv;
using Pipeline.Hosting;
using Pipeline.Warehouse.Configuration;

await FunctionHost.RunAsync<BackfillCsvFunction>(args, (services, configuration) =>
    services.AddSingleton(BackfillOptions.From(configuration)).AddConfiguredWarehouse(configuration));

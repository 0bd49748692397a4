using Pipeline.Functions.BackfillCsv;
using Pipeline.Hosting;
using Pipeline.Warehouse.BigQuery;
using Pipeline.Warehouse.Configuration;

await FunctionHost.RunAsync<BackfillCsvFunction>(args, (services, configuration) =>
    services.RefuseWarehouseChoice(configuration).AddSingleton(BackfillOptions.From(configuration)).AddBigQueryWarehouse(configuration));

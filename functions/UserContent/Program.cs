using Pipeline.Functions.UserContent;
using Pipeline.Hosting;
using Pipeline.Warehouse.BigQuery;
using Pipeline.Warehouse.Configuration;

await FunctionHost.RunAsync<UserContentFunction>(args, (services, configuration) =>
    services.RefuseWarehouseChoice(configuration).AddBigQueryWarehouse(configuration));

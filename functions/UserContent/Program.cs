using Pipeline.Functions.UserContent;
using Pipeline.Hosting;
using Pipeline.Warehouse.DuckDb;

await FunctionHost.RunAsync<UserContentFunction>(args, (services, configuration) =>
    services.AddDuckDbWarehouse(configuration));

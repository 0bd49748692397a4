using Pipeline.Warehouse.BigQuery;
using Pipeline.Functions.Hosting;
using Pipeline.Functions.UserContent;

await FunctionHost.RunAsync<UserContentFunction>(args, BigQueryOptions.Variables);

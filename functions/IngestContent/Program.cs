using Pipeline.Warehouse.BigQuery;
using Pipeline.Functions.Hosting;
using Pipeline.Functions.IngestContent;

await FunctionHost.RunAsync<IngestContentFunction>(args, BigQueryOptions.Variables);

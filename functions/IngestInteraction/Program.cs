using Pipeline.Warehouse.BigQuery;
using Pipeline.Functions.Hosting;
using Pipeline.Functions.IngestInteraction;

await FunctionHost.RunAsync<IngestInteractionFunction>(args, BigQueryOptions.Variables);

using Pipeline.Warehouse.BigQuery;
using Pipeline.Functions.BackfillCsv;
using Pipeline.Functions.Hosting;

await FunctionHost.RunAsync<BackfillCsvFunction>(args, [.. BackfillOptions.Variables, .. BigQueryOptions.Variables]);

using Pipeline.Functions.IngestContent;
using Pipeline.Hosting;
using Pipeline.Ingestion;
using Pipeline.Warehouse.BigQuery;
using Pipeline.Warehouse.Configuration;

await FunctionHost.RunAsync<IngestContentFunction>(args, (services, configuration) =>
    services.AddPubSubIngestion().RefuseWarehouseChoice(configuration).AddBigQueryWarehouse(configuration));

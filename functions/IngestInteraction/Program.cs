using Pipeline.Functions.IngestInteraction;
using Pipeline.Hosting;
using Pipeline.Ingestion;
using Pipeline.Warehouse.BigQuery;
using Pipeline.Warehouse.Configuration;

await FunctionHost.RunAsync<IngestInteractionFunction>(args, (services, configuration) =>
    services.AddPubSubIngestion().RefuseWarehouseChoice(configuration).AddBigQueryWarehouse(configuration));

using Pipeline.Functions.IngestInteraction;
using Pipeline.Hosting;
using Pipeline.Ingestion;
using Pipeline.Warehouse.DuckDb;

await FunctionHost.RunAsync<IngestInteractionFunction>(args, (services, configuration) =>
    services.AddPubSubIngestion().AddDuckDbWarehouse(configuration));

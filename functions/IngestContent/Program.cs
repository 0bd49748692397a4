using Pipeline.Functions.IngestContent;
using Pipeline.Hosting;
using Pipeline.Ingestion;
using Pipeline.Warehouse.DuckDb;

await FunctionHost.RunAsync<IngestContentFunction>(args, (services, configuration) =>
    services.AddPubSubIngestion().AddDuckDbWarehouse(configuration));

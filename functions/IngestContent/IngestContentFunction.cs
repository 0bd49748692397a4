using Pipeline.Ingestion;
using Pipeline.Warehouse.Ingest;

namespace Pipeline.Functions.IngestContent;

/// <summary>Eventarc trigger on the Pub/Sub topic: validates each record and writes it to the warehouse.</summary>
public sealed class IngestContentFunction(PubSubIngestion ingestion) : PubSubIngestFunction(RecordKind.ContentCategory, ingestion);

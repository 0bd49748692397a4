using Pipeline.Ingestion;
using Pipeline.Warehouse.Ingest;

namespace Pipeline.Functions.IngestInteraction;

/// <summary>Eventarc trigger on the Pub/Sub topic: validates each record and writes it to the warehouse.</summary>
public sealed class IngestInteractionFunction(PubSubIngestion ingestion) : PubSubIngestFunction(RecordKind.Interaction, ingestion);

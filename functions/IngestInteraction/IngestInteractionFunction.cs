using Pipeline.Domain.Rows;
using Pipeline.Functions.Hosting;
using Pipeline.Ingestion;

namespace Pipeline.Functions.IngestInteraction;

/// <summary>Eventarc trigger on the Pub/Sub topic: validates each record and writes it to the warehouse.</summary>
/// <param name="ingestion">Stores the records.</param>
[FunctionsStartup(typeof(Startup))]
public sealed class IngestInteractionFunction(PubSubIngestion ingestion) : PubSubIngestFunction(RecordKind.Interaction, DeadLetterSources.IngestInteraction, ingestion);

using Pipeline.Domain.Rows;
using Pipeline.Functions.Hosting;
using Pipeline.Ingestion;

namespace Pipeline.Functions.IngestContent;

/// <summary>Eventarc trigger on the Pub/Sub topic: validates each record and writes it to the warehouse.</summary>
/// <param name="ingestion">Stores the records.</param>
[FunctionsStartup(typeof(Startup))]
public sealed class IngestContentFunction(PubSubIngestion ingestion) : PubSubIngestFunction(RecordKind.ContentMeta, DeadLetterSources.IngestContent, ingestion);

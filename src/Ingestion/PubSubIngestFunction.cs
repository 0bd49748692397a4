using CloudNative.CloudEvents;
using Pipeline.Domain.Rows;
using Pipeline.Functions.Framework;

namespace Pipeline.Ingestion;

/// <summary>
/// The shape of both ingest functions: an untyped CloudEvent function on a Pub/Sub topic, feeding one table. It decodes
/// the <c>MessagePublishedData</c> itself, so that a poison message is dead-lettered and acknowledged, never answered
/// 400 and redelivered forever.
/// </summary>
/// <param name="kind">Which table the records go to.</param>
/// <param name="source">The <c>source</c> of its dead-lettered records (one of <c>DeadLetterSources</c>).</param>
/// <param name="ingestion">Stores the records.</param>
public abstract class PubSubIngestFunction(RecordKind kind, string source, PubSubIngestion ingestion) : ICloudEventFunction
{
    /// <inheritdoc />
    public Task HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken) =>
        ingestion.IngestAsync(source, kind, cloudEvent, cancellationToken);
}

using CloudNative.CloudEvents;
using Pipeline.Hosting;
using Pipeline.Hosting.Events;
using Pipeline.Warehouse.Ingest;

namespace Pipeline.Ingestion;

/// <summary>
/// The shape of both ingest functions: a Pub/Sub-triggered CloudEvent function feeding one table.
/// A poison message is acknowledged after it is dead-lettered, never redelivered forever.
/// </summary>
public abstract class PubSubIngestFunction(RecordKind kind, PubSubIngestion ingestion)
    : ICloudEventFunction<MessagePublishedData>, IUndecodableEventHandler
{
    /// <summary>The function's name, used as the <c>source</c> of its dead-lettered records.</summary>
    public string Name => GetType().Name.Replace("Function", "", StringComparison.Ordinal);

    public Task HandleAsync(CloudEvent cloudEvent, MessagePublishedData data, CancellationToken cancellationToken) =>
        ingestion.IngestAsync(Name, kind, cloudEvent, data, cancellationToken);

    public Task HandleUndecodableAsync(CloudEvent cloudEvent, string reason, CancellationToken cancellationToken) =>
        ingestion.DeadLetterAsync(Name, cloudEvent, reason, cancellationToken);
}

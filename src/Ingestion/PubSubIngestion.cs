using CloudNative.CloudEvents;
using Microsoft.Extensions.Logging;
using Pipeline.Hosting;
using Pipeline.Hosting.Events;
using Pipeline.Warehouse;
using Pipeline.Warehouse.Ingest;
using Pipeline.Warehouse.Rows;

namespace Pipeline.Ingestion;

/// <summary>
/// Stores the records of one Pub/Sub message, as docs/semantics.md answers: valid records stored, invalid ones
/// dead-lettered with a reason, an unreadable delivery dead-lettered whole. Returns only after the warehouse
/// made it all durable; a warehouse failure propagates, so the host answers 5xx and the platform redelivers.
/// </summary>
public sealed class PubSubIngestion(IWarehouse warehouse, TimeProvider clock, ILogger<PubSubIngestion> logger)
{
    public async Task IngestAsync(
        string source, RecordKind kind, CloudEvent cloudEvent, MessagePublishedData data, CancellationToken cancellationToken)
    {
        var receivedAt = clock.GetUtcNow().UtcDateTime;
        var batch = cloudEvent.Type != EventTypes.MessagePublished
            ? MessageIngest.Undecodable(source, EventId(cloudEvent, data), RawData(cloudEvent),
                $"event type '{cloudEvent.Type}' is not {EventTypes.MessagePublished}", receivedAt)
            : data.Message is not { } message
                ? MessageIngest.Undecodable(source, EventId(cloudEvent, data), RawData(cloudEvent), "data has no 'message'", receivedAt)
                : MessageIngest.ToBatch(kind, source, EventId(cloudEvent, data), message.Data ?? [], receivedAt);
        await WriteAsync(source, cloudEvent, batch, cancellationToken);
    }

    /// <summary>A CloudEvent whose data is not a readable Pub/Sub message (bad base64, not JSON): kept whole.</summary>
    public Task DeadLetterAsync(string source, CloudEvent cloudEvent, string reason, CancellationToken cancellationToken)
    {
        var batch = MessageIngest.Undecodable(
            source, cloudEvent.Id ?? "", RawData(cloudEvent), reason, clock.GetUtcNow().UtcDateTime);
        return WriteAsync(source, cloudEvent, batch, cancellationToken);
    }

    private async Task WriteAsync(string source, CloudEvent cloudEvent, IngestBatch batch, CancellationToken cancellationToken)
    {
        await warehouse.WriteAsync(batch, cancellationToken);
        var stored = batch.Interactions.Count + batch.ContentCategories.Count;
        // One line per event: outcome and counts at INFO, never the payload; a reason (which may quote a value) only at WARNING.
        if (batch.Errors.Count == 0)
        {
            logger.LogInformation("{Function} event {EventId} stored: {Received} received, {Stored} stored, {Rejected} rejected",
                source, cloudEvent.Id, stored, stored, 0);
        }
        else
        {
            logger.LogWarning("{Function} event {EventId} dead-lettered records: {Received} received, {Stored} stored, {Rejected} rejected, first reason: {Reason}",
                source, cloudEvent.Id, stored + batch.Errors.Count, stored, batch.Errors.Count, batch.Errors[0].Error);
        }
    }

    private static string EventId(CloudEvent cloudEvent, MessagePublishedData data) =>
        data.Message?.MessageId is { Length: > 0 } messageId ? messageId : cloudEvent.Id ?? "";

    private static string RawData(CloudEvent cloudEvent) => PayloadText.Of(CloudEventData.RawBytes(cloudEvent));
}

using CloudNative.CloudEvents;
using Microsoft.Extensions.Logging;
using Pipeline.Domain;
using Pipeline.Domain.Rows;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;
using Pipeline.Functions.Framework;

namespace Pipeline.Ingestion;

/// <summary>
/// Stores the records of one Pub/Sub message, as docs/semantics.md answers: valid records stored, invalid ones
/// dead-lettered with a reason, an unreadable delivery dead-lettered whole. Returns only after the warehouse
/// made it all durable; a warehouse failure propagates, so the host answers 5xx and the platform redelivers.
/// </summary>
/// <param name="warehouse">Where the records go.</param>
/// <param name="clock">Stamps <c>received_at</c>.</param>
/// <param name="logger">One line per event.</param>
public sealed class PubSubIngestion(IWarehouse warehouse, TimeProvider clock, ILogger<PubSubIngestion> logger)
{
    /// <summary>
    /// Stores the records of the message the event carries; an event that is not a readable Pub/Sub message (another
    /// type, bad base64, not JSON, no message) is kept whole in the dead-letter table.
    /// </summary>
    /// <param name="source">The <c>source</c> of dead-lettered records.</param>
    /// <param name="kind">Which table the records go to.</param>
    /// <param name="cloudEvent">The event, its data not yet decoded.</param>
    /// <param name="cancellationToken">Cancelled when the delivery is abandoned.</param>
    public async Task IngestAsync(string source, RecordKind kind, CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        var receivedAt = clock.GetUtcNow().UtcDateTime;
        var batch = cloudEvent.Type != EventTypes.MessagePublished
            ? CloudEventDecoding.DeadLetter(cloudEvent, source, EventId(cloudEvent, null),
                $"event type '{cloudEvent.Type}' is not {EventTypes.MessagePublished}", receivedAt)
            : !CloudEventDecoding.TryDecode<MessagePublishedData>(cloudEvent, source, receivedAt, out var data, out var deadLetter)
                ? deadLetter
                : data.Message is not { } message
                    ? CloudEventDecoding.DeadLetter(cloudEvent, source, EventId(cloudEvent, data), "data has no 'message'", receivedAt)
                    : MessageIngest.ToBatch(kind, source, EventId(cloudEvent, data), message.Data.Memory, receivedAt);
        await WriteAsync(source, cloudEvent, batch, cancellationToken);
    }

    private async Task WriteAsync(string source, CloudEvent cloudEvent, IngestBatch batch, CancellationToken cancellationToken)
    {
        var outcome = await warehouse.WriteAsync(batch, cancellationToken);
        var valid = batch.Interactions.Count + batch.ContentMeta.Count;
        // "3 stored" only when the engine says so: a redelivery stores nothing new, and BigQuery cannot tell (its
        // insertAll drops duplicates by insertId without saying which).
        var reused = outcome.ReusedEventIds;
        var stored = outcome.NewlyStored is { } newly
            ? newly + reused == valid ? $"{newly} stored" : $"{newly} stored, {valid - newly - reused} already stored"
            : $"{valid} written (a redelivered record is stored once)";
        // Not a redelivery: other records under ids already stored (a publisher, or a restarted emulator, reusing
        // message ids). They were dead-lettered, not stored.
        var rejected = batch.DeadLetters.Count + reused;
        var reason = reused > 0 ? $"{reused} under event ids already stored with other content" : batch.DeadLetters.FirstOrDefault()?.Error;
        // One line per event: outcome and counts at INFO, never the payload; a reason (which may quote a value) only at WARNING.
        if (rejected == 0)
        {
            logger.LogInformation("{Function} event {EventId}: {Received} received, {Stored}, {Rejected} rejected",
                source, cloudEvent.Id, valid, stored, 0);
        }
        else
        {
            logger.LogWarning("{Function} event {EventId} dead-lettered records: {Received} received, {Stored}, {Rejected} rejected, first reason: {Reason}",
                source, cloudEvent.Id, valid + batch.DeadLetters.Count, stored, rejected, reason);
        }
    }

    private static string EventId(CloudEvent cloudEvent, MessagePublishedData? data) =>
        data?.Message?.MessageId is { Length: > 0 } messageId ? messageId : cloudEvent.Id ?? "";
}

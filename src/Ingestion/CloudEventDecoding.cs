using System.Diagnostics.CodeAnalysis;
using CloudNative.CloudEvents;
using Google.Protobuf;
using Pipeline.Domain.Rows;
using Pipeline.Events.Protobuf;

namespace Pipeline.Ingestion;

/// <summary>
/// The one decode-or-dead-letter path of the untyped CloudEvent functions (the ingest functions and BackfillCsv):
/// the event's data decoded as the payload the function expects, else the dead letter that keeps the data's raw
/// bytes (as <see cref="PayloadText"/> writes them) with the reason, for the function to store and acknowledge.
/// </summary>
public static class CloudEventDecoding
{
    /// <summary>
    /// Decodes the event's data as <typeparamref name="T"/> (<see cref="CloudEventPayload.TryDecode{T}"/>); when it
    /// does not decode, <paramref name="deadLetter"/> is the event's whole payload under its id, with the reason.
    /// </summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="cloudEvent">The event, its data as the untyped adapter handed it over.</param>
    /// <param name="source">The dead letter's <c>source</c> (one of <c>DeadLetterSources</c>).</param>
    /// <param name="receivedAt">The dead letter's <c>received_at</c>.</param>
    /// <param name="data">The payload, when it decodes.</param>
    /// <param name="deadLetter">The dead letter, when it does not.</param>
    public static bool TryDecode<T>(
        CloudEvent cloudEvent, string source, DateTime receivedAt, out T data, [NotNullWhen(false)] out IngestBatch? deadLetter)
        where T : class, IMessage<T>, new()
    {
        if (CloudEventPayload.TryDecode(cloudEvent, out data, out var reason))
        {
            deadLetter = null;
            return true;
        }
        deadLetter = DeadLetter(cloudEvent, source, cloudEvent.Id ?? "", reason, receivedAt);
        return false;
    }

    /// <summary>The event's whole payload, its raw bytes kept, as one dead letter under <paramref name="eventId"/>.</summary>
    /// <param name="cloudEvent">The event.</param>
    /// <param name="source">The dead letter's <c>source</c>.</param>
    /// <param name="eventId">The dead letter's event id.</param>
    /// <param name="reason">Why the event cannot be used.</param>
    /// <param name="receivedAt">The dead letter's <c>received_at</c>.</param>
    public static IngestBatch DeadLetter(CloudEvent cloudEvent, string source, string eventId, string reason, DateTime receivedAt) =>
        MessageIngest.Undecodable(source, eventId, PayloadText.Of(CloudEventPayload.RawBytes(cloudEvent)), reason, receivedAt);
}

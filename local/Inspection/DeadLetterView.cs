using System.Text.Json;
using Pipeline.Domain.Rows;

namespace Pipeline.Local.Inspection;

/// <summary>
/// A dead letter as <c>/local/errors</c> shows it: a payload that is a JSON object or array is shown as that JSON
/// (not as a string full of <c>\"</c>); any other payload (a CSV line, <c>base64:…</c>, broken JSON) as its text.
/// </summary>
/// <param name="Source">Which input produced it (<see cref="DeadLetterSources"/>).</param>
/// <param name="EventId">Its event id.</param>
/// <param name="Payload">The payload, as JSON where it is a JSON object or array, otherwise as text.</param>
/// <param name="Error">The reason, naming the field.</param>
/// <param name="ReceivedAt">When it was written (UTC).</param>
internal sealed record DeadLetterView(string Source, string EventId, JsonElement? Payload, string Error, DateTime ReceivedAt)
{
    /// <summary>The view of one stored dead letter.</summary>
    public static DeadLetterView Of(StoredDeadLetter stored) =>
        new(stored.Source, stored.EventId, PayloadOf(stored.Payload), stored.Error, stored.ReceivedAt);

    private static JsonElement? PayloadOf(string? payload)
    {
        if (payload is null)
        {
            return null;
        }
        var trimmed = payload.AsSpan().TrimStart();
        if (trimmed.Length > 0 && trimmed[0] is '{' or '[')
        {
            try
            {
                using var document = JsonDocument.Parse(payload);
                return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                // Not JSON after all: shown as the text it is.
            }
        }
        return JsonSerializer.SerializeToElement(payload);
    }
}

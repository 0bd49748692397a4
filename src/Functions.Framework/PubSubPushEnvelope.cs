using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CloudNative.CloudEvents;

namespace Pipeline.Functions.Framework;

/// <summary>
/// Converts a raw Pub/Sub push request body <c>{"message": {...}, "subscription": "..."}</c> into the
/// <see cref="EventTypes.MessagePublished"/> CloudEvent Eventarc would have sent.
/// The topic comes from the request path when it reads <c>projects/{p}/topics/{t}</c>. The data is left to the
/// formatter: the envelope itself is a <c>MessagePublishedData</c>.
/// </summary>
internal static partial class PubSubPushEnvelope
{
    private static readonly ImmutableArray<string> s_legacyKeys = ["data", "context", "eventId", "eventType", "timestamp", "params", "domain"];

    public static CloudEvent ToCloudEvent(ReadOnlyMemory<byte> body, string? requestPath)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            throw new CloudEventBindingException("Request body is not UTF-8 JSON.");
        }
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(body);
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new CloudEventBindingException($"Request body is not JSON: {e.Message}", e);
        }
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("message", out var message)
            || !root.TryGetProperty("subscription", out _))
        {
            throw new CloudEventBindingException("Not a CloudEvent: a JSON body must be a Pub/Sub push envelope with both 'message' and 'subscription'.");
        }
        foreach (var key in s_legacyKeys)
        {
            if (root.TryGetProperty(key, out _))
            {
                throw new CloudEventBindingException($"Pub/Sub push envelope must not carry the legacy key '{key}'.");
            }
        }
        if (message.ValueKind != JsonValueKind.Object
            || !message.TryGetProperty("messageId", out var messageId)
            || messageId.ValueKind != JsonValueKind.String
            || string.IsNullOrEmpty(messageId.GetString()))
        {
            throw new CloudEventBindingException("Pub/Sub push envelope needs message.messageId as a non-empty string.");
        }

        var topicPath = TopicPath(requestPath);
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0)
        {
            Id = messageId.GetString(),
            Type = EventTypes.MessagePublished,
            Source = new Uri("//pubsub.googleapis.com/" + topicPath, UriKind.RelativeOrAbsolute),
            DataContentType = "application/json",
        };
        if (message.TryGetProperty("publishTime", out var publishTime)
            && publishTime.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(publishTime.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            cloudEvent.Time = time;
        }
        return cloudEvent;
    }

    private static string TopicPath(string? requestPath)
    {
        var path = (requestPath ?? "").TrimStart('/');
        return TopicPattern().IsMatch(path) ? path : "projects/unknown-project!/topics/unknown-topic!";
    }

    [GeneratedRegex("^projects/[^/]+/topics/[^/]+$")]
    private static partial Regex TopicPattern();
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Local.PubSub;

/// <summary>The Pub/Sub REST <c>topics.publish</c> request body.</summary>
public sealed record PublishRequest(IReadOnlyList<PublishedMessage>? Messages);

/// <summary>One message of a publish request: base64 data and string attributes.</summary>
public sealed record PublishedMessage(string? Data, Dictionary<string, string>? Attributes, string? OrderingKey);

/// <summary>The Pub/Sub REST <c>topics.publish</c> response body.</summary>
public sealed record PublishResponse(IReadOnlyList<string> MessageIds);

/// <summary>Google's error shape: <c>{"error": {"code", "message", "status"}}</c>.</summary>
public sealed record GoogleError([property: JsonPropertyName("error")] GoogleErrorBody Error)
{
    /// <summary>The error body for HTTP status <paramref name="code"/>, with its canonical <paramref name="status"/> name.</summary>
    public static GoogleError Of(int code, string status, string message) => new(new GoogleErrorBody(code, message, status));

    /// <summary>
    /// The 400 for a body that is not a publish request: where the JSON went wrong and the shape expected, in the
    /// request's own terms (the serializer's message would name the stack's internal types).
    /// </summary>
    public static GoogleError InvalidJson(JsonException e)
    {
        // A syntax error comes from the reader, wrapped; a value of the wrong type is the serializer's own.
        var what = e.InnerException is JsonException ? "is not valid JSON" : "has a value of the wrong type";
        var where = e.Path is { Length: > 0 } path ? $" at {path}" : "";
        var position = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
        return Of(StatusCodes.Status400BadRequest, "INVALID_ARGUMENT",
            $"Invalid JSON payload received: the body {what}{where}{position}. Expected " +
            """{"messages": [{"data": "<base64>", "attributes": {"<name>": "<value>"}, "orderingKey": "<key>"}]}.""");
    }
}

/// <summary>What a Google API error body says.</summary>
/// <param name="Code">The HTTP status code.</param>
/// <param name="Message">The error in words.</param>
/// <param name="Status">The canonical status name (<c>NOT_FOUND</c>, <c>INVALID_ARGUMENT</c>, …).</param>
public sealed record GoogleErrorBody(int Code, string Message, string Status);

/// <summary>What a publish came to: the message ids in request order, or why nothing was published.</summary>
/// <param name="MessageIds">The ids of the published messages, in the order of the request; empty if refused.</param>
/// <param name="Refusal">Why the publish was refused, or null.</param>
public sealed record PublishOutcome(IReadOnlyList<string> MessageIds, PubSubRefusal? Refusal);

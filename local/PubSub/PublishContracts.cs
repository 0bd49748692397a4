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
    public static GoogleError Of(int code, string status, string message) => new(new GoogleErrorBody(code, message, status));
}

public sealed record GoogleErrorBody(int Code, string Message, string Status);

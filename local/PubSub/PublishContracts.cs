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
}

/// <summary>What a Google API error body says.</summary>
/// <param name="Code">The HTTP status code.</param>
/// <param name="Message">The error in words.</param>
/// <param name="Status">The canonical status name (<c>NOT_FOUND</c>, <c>INVALID_ARGUMENT</c>, …).</param>
public sealed record GoogleErrorBody(int Code, string Message, string Status);

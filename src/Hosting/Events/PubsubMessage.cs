namespace Pipeline.Hosting.Events;

/// <summary>A Pub/Sub message as carried by <see cref="MessagePublishedData"/> (google.pubsub.v1.PubsubMessage).</summary>
public sealed class PubsubMessage
{
    /// <summary>The message body; base64 in JSON.</summary>
    public byte[]? Data { get; set; }

    public Dictionary<string, string>? Attributes { get; set; }

    public string? MessageId { get; set; }

    public DateTimeOffset? PublishTime { get; set; }

    public string? OrderingKey { get; set; }
}

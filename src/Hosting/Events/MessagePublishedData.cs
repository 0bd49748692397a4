namespace Pipeline.Hosting.Events;

/// <summary>
/// The data of a <c>google.cloud.pubsub.topic.v1.messagePublished</c> CloudEvent
/// (google.events.cloud.pubsub.v1.MessagePublishedData).
/// </summary>
public sealed class MessagePublishedData
{
    public PubsubMessage? Message { get; set; }

    /// <summary><c>projects/{project}/subscriptions/{subscription}</c>.</summary>
    public string? Subscription { get; set; }

    public int? DeliveryAttempt { get; set; }
}

namespace Pipeline.Hosting;

/// <summary>The CloudEvent types this product consumes.</summary>
public static class EventTypes
{
    public const string MessagePublished = "google.cloud.pubsub.topic.v1.messagePublished";
    public const string ObjectFinalized = "google.cloud.storage.object.v1.finalized";
}

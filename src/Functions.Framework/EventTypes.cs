namespace Pipeline.Functions.Framework;

/// <summary>
/// The CloudEvent types this product consumes, spelled once: the Pub/Sub push envelope is read as a
/// <see cref="MessagePublished"/> event here, and the functions and the platform stand-in name them from here. Ours:
/// the official packages spell them only in their documentation.
/// </summary>
public static class EventTypes
{
    /// <summary>A message was published to a Pub/Sub topic; the data is a <c>MessagePublishedData</c>.</summary>
    public const string MessagePublished = "google.cloud.pubsub.topic.v1.messagePublished";

    /// <summary>An object was written to a Cloud Storage bucket; the data is a <c>StorageObjectData</c>.</summary>
    public const string ObjectFinalized = "google.cloud.storage.object.v1.finalized";
}

using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Pipeline.EventarcRequests;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;
using Pipeline.Events.Protobuf.Cloud.Storage.V1;

namespace Pipeline.Tests.Fixtures;

/// <summary>Pub/Sub messages as Eventarc delivers them, built from the record text a publisher would send.</summary>
public static class Messages
{
    public const string SeedInteraction = """{"user_id": 65045, "content_id": 12345, "read_percent": 92, "updated_at": "2022-03-27"}""";
    public const string SeedContent = """{"content_id": 12345, "category_name": "test_cat2"}""";

    public static EventarcRequest PubSub(string body, string messageId = "1001", string topic = "user-interaction") =>
        PubSub(Encoding.UTF8.GetBytes(body), messageId, topic);

    public static EventarcRequest PubSub(byte[] data, string messageId, string topic = "user-interaction") =>
        EventarcRequest.ForPubSubMessage("test-project", topic,
            new PubsubMessage { Data = ByteString.CopyFrom(data), MessageId = messageId, PublishTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) },
            $"projects/test-project/subscriptions/{topic}");
}

using System.Text;
using CloudNative.CloudEvents;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Pipeline.Events.Protobuf;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;
using Pipeline.Events.Protobuf.Cloud.Storage.V1;

namespace Pipeline.Tests.Hosting;

/// <summary>Payloads are read by protobuf's JSON rules, as the official Google.Events.Protobuf types are.</summary>
public sealed class EventPayloadTest
{
    private static T Parse<T>(string json) where T : class, IMessage<T>, new() =>
        ProtobufJsonCloudEventFormatter<T>.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void StorageObject_Int64AsStrings_AreRead()
    {
        var data = Parse<StorageObjectData>("""{"bucket":"b","name":"folder/Test.cs","generation":"1587627537231057","metageneration":"1","size":"352","timeCreated":"2020-04-23T07:38:57.230Z","kind":"storage#object"}""");

        Assert.Equal(1587627537231057, data.Generation);
        Assert.Equal(1, data.Metageneration);
        Assert.Equal(352, data.Size);
        Assert.Equal("folder/Test.cs", data.Name);
    }

    [Fact]
    public void StorageObject_Int64AsNumbersSnakeCaseAndUnknownFields_AreRead()
    {
        var data = Parse<StorageObjectData>("""{"bucket":"b","name":"n","generation":1587627537231057,"content_type":"text/csv","time_created":"2020-04-23T07:38:57.279744Z","unknown":{"deep":[1,2]}}""");

        Assert.Equal(1587627537231057, data.Generation);
        Assert.Equal("text/csv", data.ContentType);
        Assert.Equal(new DateTimeOffset(2020, 4, 23, 7, 38, 57, TimeSpan.Zero).AddTicks(2797440), data.TimeCreated.ToDateTimeOffset());
    }

    [Fact]
    public void MessagePublished_WithTypeAnnotationAndDuplicatedSnakeCaseFields_IsRead()
    {
        var data = Parse<MessagePublishedData>("""{"message":{"@type":"type.googleapis.com/google.pubsub.v1.PubsubMessage","data":"aGVsbG8=","attributes":{"a":"1"},"messageId":"9","message_id":"9","publish_time":"2024-05-14T09:21:07Z"},"subscription":"s","deliveryAttempt":3}""");

        Assert.Equal("hello", data.Message.Data.ToStringUtf8());
        Assert.Equal("1", data.Message.Attributes["a"]);
        Assert.Equal("9", data.Message.MessageId);
        Assert.Equal(Timestamp.FromDateTimeOffset(new DateTimeOffset(2024, 5, 14, 9, 21, 7, TimeSpan.Zero)), data.Message.PublishTime);
        Assert.Equal(3, data.DeliveryAttempt);
    }

    [Fact]
    public void MessagePublished_IsWrittenWithCamelCaseNamesAndBase64Data()
    {
        var data = new MessagePublishedData { Message = new PubsubMessage { Data = ByteString.CopyFrom(1, 2, 3, 4), MessageId = "m" }, Subscription = "s" };

        var json = JsonFormatter.Default.Format(data);

        Assert.Contains("\"messageId\": \"m\"", json);
        Assert.DoesNotContain("message_id", json);
        Assert.Contains("\"data\": \"AQIDBA==\"", json);
        Assert.Equal(data, Parse<MessagePublishedData>(json));
    }

    [Theory]
    [InlineData("""{"message":{"data":"not base64!"}}""", "MessagePublishedData")]
    [InlineData("""[1,2]""", "MessagePublishedData")]
    [InlineData("""{"message":""", "MessagePublishedData")]
    public void UntypedEvent_DataThatIsNotThePayload_SaysWhy(string json, string typeName)
    {
        var cloudEvent = new CloudEvent { Data = Encoding.UTF8.GetBytes(json) };

        Assert.False(CloudEventPayload.TryDecode<MessagePublishedData>(cloudEvent, out _, out var reason));
        Assert.StartsWith($"data is not a {typeName}: ", reason);
    }
}

using System.Text;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Pipeline.EventarcRequests;
using Pipeline.Events.Protobuf;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;

namespace Pipeline.Tests.Hosting;

/// <summary>
/// The messagePublished body Eventarc's stand-in writes from base64 text (what the local publish path hands it) is
/// the <c>MessagePublishedData</c> protobuf's own JSON form describes: the function decodes the same message.
/// </summary>
public sealed class EventarcBodyTest
{
    [Theory]
    [InlineData("")]
    [InlineData("{\"user_id\": 1}")]
    [InlineData("ü?>>> needs + and / in base64 ÿ")]
    public void BodyFromBase64Text_DecodesToTheMessageItDescribes(string data)
    {
        var message = new PubsubMessage
        {
            Data = ByteString.CopyFromUtf8(data),
            MessageId = "m-1",
            PublishTime = Timestamp.FromDateTimeOffset(new DateTimeOffset(2024, 5, 14, 9, 21, 7, TimeSpan.Zero).AddTicks(123_456_0)),
            OrderingKey = data.Length > 0 ? "key \"1\"" : "",
            Attributes = { { "origin", "tëst \"quoted\"" }, { "empty", "" } },
        };
        var expected = new MessagePublishedData { Message = message, Subscription = "projects/p/subscriptions/s" };

        var request = EventarcRequest.ForPubSubMessage("p", "t", message.MessageId, message.PublishTime.ToDateTimeOffset(),
            message.Data.ToBase64(), message.Attributes, message.OrderingKey, expected.Subscription);

        Assert.Equal(expected, ProtobufJsonCloudEventFormatter<MessagePublishedData>.Parse(request.Body));
        Assert.Equal(expected, ProtobufJsonCloudEventFormatter<MessagePublishedData>.Parse(Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(expected))));
        Assert.Equal("2024-05-14T09:21:07.123456Z", request.Headers["ce-time"]);
    }
}

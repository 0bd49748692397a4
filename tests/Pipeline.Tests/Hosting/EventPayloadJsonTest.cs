using System.Text.Json;
using Pipeline.Hosting.Events;

namespace Pipeline.Tests.Hosting;

public sealed class EventPayloadJsonTest
{
    [Fact]
    public void StorageObject_Int64AsStrings_AreRead()
    {
        var json = """{"bucket":"b","name":"folder/Test.cs","generation":"1587627537231057","metageneration":"1","size":"352","timeCreated":"2020-04-23T07:38:57.230Z","kind":"storage#object"}""";

        var data = EventPayloadJson.Deserialize<StorageObjectData>(JsonDocument.Parse(json).RootElement);

        Assert.Equal(1587627537231057, data.Generation);
        Assert.Equal(1, data.Metageneration);
        Assert.Equal(352, data.Size);
        Assert.Equal("folder/Test.cs", data.Name);
    }

    [Fact]
    public void StorageObject_Int64AsNumbersAndSnakeCase_AreRead()
    {
        var json = """{"bucket":"b","name":"n","generation":1587627537231057,"content_type":"text/csv","time_created":"2020-04-23T07:38:57.279744Z","unknown":{"deep":[1,2]}}""";

        var data = EventPayloadJson.Deserialize<StorageObjectData>(JsonDocument.Parse(json).RootElement);

        Assert.Equal(1587627537231057, data.Generation);
        Assert.Equal("text/csv", data.ContentType);
        Assert.Equal(new DateTimeOffset(2020, 4, 23, 7, 38, 57, TimeSpan.Zero).AddTicks(2797440), data.TimeCreated);
    }

    [Fact]
    public void MessagePublished_RoundTripsWithCamelCaseNamesOnly()
    {
        var data = new MessagePublishedData { Message = new PubsubMessage { Data = [1, 2, 3, 4], MessageId = "m" }, Subscription = "s" };

        var json = JsonSerializer.Serialize(data, EventPayloadJson.Options);

        Assert.Contains("\"messageId\":\"m\"", json);
        Assert.DoesNotContain("message_id", json);
        Assert.Contains("\"data\":\"AQIDBA==\"", json);
        var back = EventPayloadJson.Deserialize<MessagePublishedData>(JsonDocument.Parse(json).RootElement);
        Assert.Equal([1, 2, 3, 4], back.Message!.Data);
    }
}

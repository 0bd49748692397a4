using CloudNative.CloudEvents;
using Pipeline.EventarcRequests;
using Pipeline.Events.Protobuf;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;
using Pipeline.Events.Protobuf.Cloud.Storage.V1;
using Pipeline.Functions.Framework;
using Pipeline.Functions.Hosting;

namespace Pipeline.Tests.Hosting;

/// <summary>Binary-mode <c>ce-</c> headers are written and read by the CloudEvents HTTP binding's encoding, so any value round-trips.</summary>
public sealed class EventarcHeaderTest
{
    [Fact]
    public async Task AttributesWithSpacesQuotesPercentAndNonAscii_AreEncodedAndReadBack()
    {
        var name = "user_interaction/März 2022 \"final\" 100%.csv";
        var request = EventarcRequest.ForFinalizedObject(new StorageObjectData { Bucket = "b", Name = name, Generation = 1 }, eventId: "id with space");

        Assert.Equal("objects/user_interaction/M%C3%A4rz%202022%20%22final%22%20100%25.csv", request.Headers["ce-subject"]);
        Assert.Equal("id%20with%20space", request.Headers["ce-id"]);
        using var services = new ServiceCollection().BuildServiceProvider();
        var cloudEvent = await new CloudEventRequestReader().ReadAsync(request.ToHttpContext(services, default).Request, new CloudNative.CloudEvents.SystemTextJson.JsonEventFormatter(), default);
        Assert.Equal(("objects/" + name, "id with space", CloudEventsSpecVersion.V1_0), (cloudEvent.Subject, cloudEvent.Id, cloudEvent.SpecVersion));
        Assert.Equal("//storage.googleapis.com/projects/_/buckets/b", cloudEvent.Source!.ToString());
    }
}

using System.Net;
using System.Text;
using Pipeline.Domain;
using Pipeline.Functions.IngestContent;
using Pipeline.Functions.IngestInteraction;
using Pipeline.Functions.Testing;
using Pipeline.Ingestion;
using Pipeline.Domain.Rows;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Functions;

public sealed class IngestFunctionTest : IAsyncLifetime
{
    private readonly TempWarehouse _store = new();
    private FunctionTestServer<IngestInteractionFunction> _interactions = null!;
    private FunctionTestServer<IngestContentFunction> _content = null!;

    public async Task InitializeAsync()
    {
        _interactions = await FunctionTestServer<IngestInteractionFunction>.StartAsync(Wire);
        _content = await FunctionTestServer<IngestContentFunction>.StartAsync(Wire);
    }

    public async Task DisposeAsync()
    {
        await _interactions.DisposeAsync();
        await _content.DisposeAsync();
        await _store.DisposeAsync();
    }

    private void Wire(IServiceCollection services) =>
        services.AddPubSubIngestion().AddSingleton<IWarehouse>(_store.Warehouse);

    [Fact]
    public async Task SeedInteraction_IsStoredAndAcknowledged()
    {
        var response = await _interactions.SendAsync(Messages.PubSub(Messages.SeedInteraction, "4711"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rows = await _store.QueryAsync("SELECT event_id, user_id, content_id, read_percent, updated_at FROM user_interaction");
        Assert.Equal(["4711", 65045L, 12345L, 92.0, new DateTime(2022, 3, 27)], Assert.Single(rows));
    }

    [Fact]
    public async Task SeedContent_IsStoredAndAcknowledged()
    {
        var response = await _content.SendAsync(Messages.PubSub(Messages.SeedContent, "4712", "content-meta"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rows = await _store.QueryAsync("SELECT event_id, content_id, category_name, updated_at FROM content_meta");
        Assert.Equal(["4712", 12345L, "test_cat2", null], Assert.Single(rows));
    }

    [Fact]
    public async Task SameMessageDeliveredThreeTimes_StoresOneRow()
    {
        for (var i = 0; i < 3; i++)
        {
            var response = await _interactions.SendAsync(Messages.PubSub(Messages.SeedInteraction, "dup-1"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, await _store.CountAsync("user_interaction"));
    }

    [Fact]
    public async Task MessageWithSeveralRecords_StoresEachUnderMessageIdColonIndex()
    {
        var body = """[{"user_id":1,"content_id":2,"read_percent":95,"updated_at":"2022-03-27"},{"user_id":1,"content_id":3,"read_percent":96,"updated_at":"2022-03-27"}]""";

        await _interactions.SendAsync(Messages.PubSub(body, "m"));
        await _interactions.SendAsync(Messages.PubSub(body, "m"));

        var ids = (await _store.InteractionsAsync()).Select(i => i.Row.EventId).Order(StringComparer.Ordinal);
        Assert.Equal(["m:0", "m:1"], ids);
    }

    [Fact]
    public async Task MixedMessage_StoresGoodRecordsAndDeadLettersTheBadOne()
    {
        var body = "{\"user_id\":1,\"content_id\":2,\"read_percent\":95,\"updated_at\":\"2022-03-27\"}\n{\"user_id\":1,\"content_id\":3,\"read_percent\":250,\"updated_at\":\"2022-03-27\"}";

        var response = await _interactions.SendAsync(Messages.PubSub(body, "mix"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await _store.CountAsync("user_interaction"));
        var error = Assert.Single(await _store.ErrorsAsync());
        Assert.Equal(new DeadLetter("IngestInteraction", "mix:1", "{\"user_id\":1,\"content_id\":3,\"read_percent\":250,\"updated_at\":\"2022-03-27\"}",
            "read_percent: must be between 0 and 100, got 250"), error);
    }

    [Theory]
    [InlineData("this is not json", "message data is not JSON")]
    [InlineData("""{"content_id": 12345, "read_percent": 92, "updated_at": "2022-03-27"}""", "user_id: missing")]
    [InlineData("""{"user_id": 65045, "content_id": 12345, "read_percent": 250, "updated_at": "2022-03-27"}""", "read_percent: must be between 0 and 100, got 250")]
    [InlineData("""{"user_id": -5, "content_id": 12345, "read_percent": 92, "updated_at": "2022-03-27"}""", "user_id: must be ≥ 0, got -5")]
    [InlineData("""{"user_id": 65045, "content_id": 12345, "read_percent": 92, "updated_at": "2022-02-30"}""", "updated_at: \"2022-02-30\" is not a valid date")]
    public async Task MalformedMessage_IsAcknowledgedAndDeadLetteredWithItsPayload(string body, string reason)
    {
        var response = await _interactions.SendAsync(Messages.PubSub(body, "bad-1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var error = Assert.Single(await _store.ErrorsAsync());
        Assert.Equal(("IngestInteraction", "bad-1", body), (error.Source, error.EventId, error.Payload));
        Assert.StartsWith(reason, error.Error);
        Assert.Equal(0, await _store.CountAsync("user_interaction"));
        Assert.Equal(0, await _store.CountAsync("content_meta"));
    }

    [Fact]
    public async Task MessageDataNotBase64_IsAcknowledgedAndTheWholePayloadDeadLettered()
    {
        var request = Messages.PubSub("x", "b64") with
        {
            Body = Encoding.UTF8.GetBytes("""{"message":{"data":"%%% not base64","messageId":"b64"},"subscription":"s"}"""),
        };

        var response = await _interactions.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var error = Assert.Single(await _store.ErrorsAsync());
        Assert.Equal("b64", error.EventId);
        Assert.Contains("%%% not base64", error.Payload);
        Assert.StartsWith("data is not a MessagePublishedData", error.Error);
    }

    [Fact]
    public async Task BinaryModeBodyThatIsNotJson_IsAcknowledgedAndDeadLetteredWhole()
    {
        var request = Messages.PubSub("x", "nj-1") with { Body = Encoding.UTF8.GetBytes("this is not { json") };

        var response = await _interactions.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var error = Assert.Single(await _store.ErrorsAsync());
        Assert.Equal(("nj-1", "this is not { json"), (error.EventId, error.Payload));
    }

    [Fact]
    public async Task RecordWithInvalidUtf8InsideAString_IsAcknowledgedAndDeadLetteredWhole()
    {
        var body = "{\"user_id\":1,\"content_id\":2,\"read_percent\":95,\"updated_at\":\"2022-03-27\",\"note\":\""u8.ToArray()
            .Concat(new byte[] { 0xA1 }).Concat("\"}"u8.ToArray()).ToArray();

        var response = await _interactions.SendAsync(Messages.PubSub(body, "utf8-1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var error = Assert.Single(await _store.ErrorsAsync());
        Assert.Equal(("utf8-1", "message data is not UTF-8 text"), (error.EventId, error.Error));
        Assert.Equal("base64:" + Convert.ToBase64String(body), error.Payload);
        Assert.Equal(0, await _store.CountAsync("user_interaction"));
    }

    [Fact]
    public async Task EventDataWithInvalidUtf8InsideAString_IsAcknowledgedAndDeadLetteredWhole()
    {
        var data = "{\"message\":{\"data\":\"e30=\",\"messageId\":\""u8.ToArray().Concat(new byte[] { 0xA1 }).Concat("\"}}"u8.ToArray()).ToArray();
        var request = Messages.PubSub("x", "ev-utf8") with { Body = data };

        var response = await _interactions.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var error = Assert.Single(await _store.ErrorsAsync());
        Assert.Equal("base64:" + Convert.ToBase64String(data), error.Payload);
    }

    [Fact]
    public async Task EventOfAnotherType_IsAcknowledgedAndDeadLettered()
    {
        var request = Messages.PubSub(Messages.SeedInteraction, "t1");
        var headers = new Dictionary<string, string>(request.Headers) { ["ce-type"] = "google.cloud.storage.object.v1.finalized" };

        var response = await _interactions.SendAsync(request with { Headers = headers });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("is not google.cloud.pubsub.topic.v1.messagePublished", Assert.Single(await _store.ErrorsAsync()).Error);
        Assert.Equal(0, await _store.CountAsync("user_interaction"));
    }

    [Fact]
    public async Task WarehouseDown_Answers500SoThePlatformRedelivers()
    {
        var failing = new FailingWarehouse();
        await using var server = await FunctionTestServer<IngestInteractionFunction>.StartAsync(
            services => services.AddPubSubIngestion().AddSingleton<IWarehouse>(failing));

        var response = await server.SendAsync(Messages.PubSub(Messages.SeedInteraction, "down-1"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(1, failing.Attempts);
    }

    [Fact]
    public async Task PushEnvelopeAndStructuredMode_StoreTheirRecords()
    {
        var data = Convert.ToBase64String(Encoding.UTF8.GetBytes(Messages.SeedInteraction));
        using var client = _interactions.CreateClient();

        var push = await client.PostAsync("/projects/p/topics/user-interaction", new StringContent(
            $$"""{"message":{"data":"{{data}}","messageId":"push-1"},"subscription":"projects/p/subscriptions/s"}""", Encoding.UTF8, "application/json"));
        var structured = await client.PostAsync("/", new StringContent(
            """{"specversion":"1.0","id":"st-1","type":"google.cloud.pubsub.topic.v1.messagePublished","source":"//pubsub.googleapis.com/projects/p/topics/t","data":{"message":{"data":"DATA","messageId":"st-1"}}}""".Replace("DATA", data),
            Encoding.UTF8, "application/cloudevents+json"));

        Assert.Equal(HttpStatusCode.OK, push.StatusCode);
        Assert.Equal(HttpStatusCode.OK, structured.StatusCode);
        var ids = (await _store.InteractionsAsync()).Select(i => i.Row.EventId).Order(StringComparer.Ordinal);
        Assert.Equal(["push-1", "st-1"], ids);
    }
}

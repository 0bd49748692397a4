using System.Net;
using System.Text;
using Pipeline.Functions.Testing;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Hosting;

public sealed class CloudEventBindingTest : IAsyncLifetime
{
    private readonly Recorder _recorder = new();
    private FunctionTestServer<RecordingFunction> _server = null!;

    public async Task InitializeAsync() =>
        _server = await FunctionTestServer<RecordingFunction>.StartAsync(services => services.AddSingleton(_recorder));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private const string PubSubData = """{"message":{"data":"aGVsbG8=","messageId":"42","publishTime":"2024-05-14T09:21:07.512Z"},"subscription":"projects/p/subscriptions/s"}""";

    [Fact]
    public async Task BinaryMode_FunctionGetsAttributesAndData()
    {
        var response = await _server.SendAsync(Messages.PubSub("hello", messageId: "77"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (cloudEvent, data) = Assert.Single(_recorder.Calls);
        Assert.Equal("77", cloudEvent.Id);
        Assert.Equal("google.cloud.pubsub.topic.v1.messagePublished", cloudEvent.Type);
        Assert.Equal("//pubsub.googleapis.com/projects/test-project/topics/user-interaction", cloudEvent.Source!.ToString());
        Assert.Equal("hello", data.Message.Data.ToStringUtf8());
        Assert.Equal("77", data.Message.MessageId);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON;charset=UTF-8")]
    public async Task BinaryMode_JsonMediaTypeWithAnyParameters_IsDecoded(string contentType)
    {
        var response = await PostAsync("/", contentType, PubSubData, ("ce-specversion", "1.0"), ("ce-id", "1"),
            ("ce-type", "google.cloud.pubsub.topic.v1.messagePublished"), ("ce-source", "//pubsub.googleapis.com/projects/p/topics/t"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello", Assert.Single(_recorder.Calls).Data.Message.Data.ToStringUtf8());
    }

    [Fact]
    public async Task StructuredMode_FunctionGetsEnvelopeAttributes()
    {
        var body = $$"""{"specversion":"1.0","id":"s-1","type":"google.cloud.pubsub.topic.v1.messagePublished","source":"//pubsub.googleapis.com/projects/p/topics/t","time":"2024-05-14T09:21:07Z","data":{{PubSubData}}}""";

        var response = await PostAsync("/", "application/cloudevents+json; charset=utf-8", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (cloudEvent, data) = Assert.Single(_recorder.Calls);
        Assert.Equal("s-1", cloudEvent.Id);
        Assert.Equal("42", data.Message!.MessageId);
    }

    [Fact]
    public async Task PushEnvelope_BecomesMessagePublishedEventWithTopicFromPath()
    {
        var response = await PostAsync("/projects/p/topics/user-interaction", "application/json", PubSubData);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (cloudEvent, data) = Assert.Single(_recorder.Calls);
        Assert.Equal("42", cloudEvent.Id);
        Assert.Equal("google.cloud.pubsub.topic.v1.messagePublished", cloudEvent.Type);
        Assert.Equal("//pubsub.googleapis.com/projects/p/topics/user-interaction", cloudEvent.Source!.ToString());
        Assert.Equal(new DateTimeOffset(2024, 5, 14, 9, 21, 7, 512, TimeSpan.Zero), cloudEvent.Time);
        Assert.Equal("projects/p/subscriptions/s", data.Subscription);
    }

    [Fact]
    public async Task PushEnvelope_SnakeCaseFieldsAreRead()
    {
        var body = """{"message":{"data":"aGVsbG8=","messageId":"9","message_id":"9","publish_time":"2024-05-14T09:21:07Z","ordering_key":"k","@type":"x"},"subscription":"s","delivery_attempt":"3"}""";

        var response = await PostAsync("/", "application/json", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = Assert.Single(_recorder.Calls).Data;
        Assert.Equal("k", data.Message!.OrderingKey);
        Assert.Equal(new DateTimeOffset(2024, 5, 14, 9, 21, 7, TimeSpan.Zero), data.Message.PublishTime.ToDateTimeOffset());
        Assert.Equal(3, data.DeliveryAttempt);
    }

    [Theory]
    [InlineData("application/json", """{"message":{"messageId":"1"}}""")]
    [InlineData("application/json", """{"subscription":"s"}""")]
    [InlineData("application/json", """{"message":{"data":"aGk="},"subscription":"s"}""")]
    [InlineData("application/json", """{"message":{"messageId":"1"},"subscription":"s","eventType":"x"}""")]
    [InlineData("application/json", "not json at all")]
    [InlineData("text/plain", "hello")]
    [InlineData("application/cloudevents-batch+json", "[]")]
    [InlineData("application/cloudevents+json", """{"specversion":"1.0","type":"t","source":"//s"}""")]
    [InlineData("application/cloudevents+json", "{not json")]
    public async Task NotACloudEvent_Answers400_FunctionNotCalled(string contentType, string body)
    {
        var response = await PostAsync("/", contentType, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_recorder.Calls);
    }

    [Fact]
    public async Task PushEnvelopeThatIsNotUtf8_Answers400()
    {
        using var client = _server.CreateClient();
        var body = "{\"message\":{\"messageId\":\""u8.ToArray().Concat(new byte[] { 0xFF }).Concat("\"},\"subscription\":\"s\"}"u8.ToArray()).ToArray();
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        var response = await client.PostAsync("/", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_recorder.Calls);
    }

    [Fact]
    public async Task BinaryMode_MissingRequiredAttribute_Answers400()
    {
        var response = await PostAsync("/", "application/json", PubSubData, ("ce-specversion", "1.0"), ("ce-id", "1"), ("ce-source", "//x"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_recorder.Calls);
    }

    [Fact]
    public async Task BinaryMode_UnknownSpecVersion_Answers400()
    {
        var response = await PostAsync("/", "application/json", PubSubData, ("ce-specversion", "0.1"), ("ce-id", "1"),
            ("ce-type", "t"), ("ce-source", "//x"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("/robots.txt")]
    [InlineData("/favicon.ico")]
    public async Task RobotsAndFavicon_Answer404_FunctionNotCalled(string path)
    {
        using var client = _server.CreateClient();
        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(_recorder.Calls);
    }

    [Fact]
    public async Task AnyOtherPath_ReachesTheFunction()
    {
        var response = await _server.SendAsync(Messages.PubSub("x").ToHttpRequestMessage("/some/deep/path"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(_recorder.Calls);
    }

    [Theory]
    [InlineData("""{"message":{"data":"not base64!","messageId":"1"}}""")]
    [InlineData("""{"message":{"publishTime":"yesterday"}}""")]
    [InlineData("""[1,2,3]""")]
    public async Task TypedFunction_DataThatIsNotItsPayload_Answers400WithoutCallingIt(string data)
    {
        var response = await PostAsync("/", "application/json", data, ("ce-specversion", "1.0"), ("ce-id", "1"),
            ("ce-type", "google.cloud.pubsub.topic.v1.messagePublished"), ("ce-source", "//pubsub.googleapis.com/projects/p/topics/t"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_recorder.Calls);
    }

    [Fact]
    public async Task FunctionThrows_Answers500SoTheEventIsRedelivered()
    {
        _recorder.Throw = true;

        var response = await _server.SendAsync(Messages.PubSub("x"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string contentType, string body, params (string Name, string Value)[] headers)
    {
        using var client = _server.CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body) };
        request.Content.Headers.Remove("Content-Type");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return await client.SendAsync(request);
    }
}

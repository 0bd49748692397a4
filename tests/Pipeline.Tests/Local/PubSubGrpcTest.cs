using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DeliveryOptions = Pipeline.Local.PubSub.DeliveryOptions;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Pipeline.Domain;
using Pipeline.Local.PubSub.V1;
using Pipeline.Tests.Fixtures;
using UndeliveredMessageStore = Pipeline.Local.PubSub.UndeliveredMessageStore;

namespace Pipeline.Tests.Local;

/// <summary>
/// The gRPC Publisher's guarantees and statuses, through a gRPC client on the Pub/Sub port: the same publish path as
/// the REST endpoint, and the two ports kept apart.
/// </summary>
public sealed class PubSubGrpcTest : IAsyncDisposable
{
    private LocalStackHost? _stack;
    private GrpcChannel? _channel;

    private async Task<Publisher.PublisherClient> StartAsync(Action<IServiceCollection>? services = null)
    {
        _stack = await LocalStackHost.StartOnLoopbackAsync(collection =>
        {
            collection.AddSingleton(new DeliveryOptions { MaxAttempts = 3, Backoff = new(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(2)) });
            services?.Invoke(collection);
        });
        _channel = GrpcChannel.ForAddress($"http://{_stack.PubSubEmulatorHost}");
        return new Publisher.PublisherClient(_channel);
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
    }

    [Fact]
    public async Task PublishingManyMessages_AnswersIdsInRequestOrderOnceEachIsStored()
    {
        var publisher = await StartAsync();
        var request = new PublishRequest { Topic = "projects/demo/topics/user-interaction" };
        request.Messages.Add(Enumerable.Range(1, 20).Select(i =>
            Message($$"""{"user_id":{{i}},"content_id":1,"read_percent":95,"updated_at":"2022-03-27"}""")));

        var response = await publisher.PublishAsync(request);

        Assert.Equal(20, response.MessageIds.Distinct().Count());
        var stored = (await _stack!.InteractionsAsync()).OrderBy(i => i.Row.UserId).Select(i => i.Row.EventId);
        Assert.Equal(response.MessageIds, stored);
    }

    [Fact]
    public async Task FunctionThatNeverAcknowledges_IsRetriedAndTheMessageKeptBeforePublishAnswers()
    {
        var failing = new FailingWarehouse();
        var publisher = await StartAsync(services => services.AddSingleton<IWarehouse>(failing));

        var response = await publisher.PublishAsync(new PublishRequest { Topic = "projects/demo/topics/user-interaction", Messages = { Message(Messages.SeedInteraction) } });

        Assert.Equal(3, failing.Attempts);
        var kept = Assert.Single(await _stack!.Services.GetRequiredService<UndeliveredMessageStore>().ListAsync(default));
        Assert.Equal((Assert.Single(response.MessageIds), 3, 500), (kept.MessageId, kept.Attempts, kept.LastStatus));
    }

    [Theory]
    [InlineData("projects/demo/topics/no-such-topic", StatusCode.NotFound)]
    [InlineData("projects/demo/topicz/user-interaction", StatusCode.InvalidArgument)]
    [InlineData("projects/demo/topics/x", StatusCode.InvalidArgument)]
    [InlineData("user-interaction", StatusCode.InvalidArgument)]
    public async Task PublishToABadTopic_FailsWithItsStatus(string topic, StatusCode expected)
    {
        var publisher = await StartAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => publisher.PublishAsync(new PublishRequest { Topic = topic, Messages = { Message("{}") } }).ResponseAsync);

        Assert.Equal(expected, error.StatusCode);
    }

    [Fact]
    public async Task PublishWithAnEmptyMessage_IsInvalidArgumentAndPublishesNothing()
    {
        var publisher = await StartAsync();
        var request = new PublishRequest { Topic = "projects/demo/topics/content-meta", Messages = { Message(Messages.SeedContent), new PubsubMessage() } };

        var error = await Assert.ThrowsAsync<RpcException>(() => publisher.PublishAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Empty(await _stack!.QueryAsync("SELECT * FROM content_meta"));
    }

    [Fact]
    public async Task RestPublishToATopicCreatedOverGrpc_IsDroppedAsNoOneSubscribes()
    {
        var publisher = await StartAsync();
        await publisher.CreateTopicAsync(new Topic { Name = "projects/demo/topics/audit-trail" });

        var response = await _stack!.Client.PostAsJsonAsync("/v1/projects/demo/topics/audit-trail:publish",
            new { messages = new[] { new { data = Convert.ToBase64String(Encoding.UTF8.GetBytes("audit")) } } });

        // Pub/Sub drops what is published to a topic without subscriptions: published, then neither kept nor counted.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await _stack.Services.GetRequiredService<UndeliveredMessageStore>().ListAsync(default));
        using var health = JsonDocument.Parse(await _stack.Client.GetStringAsync("/healthz"));
        Assert.Equal(0, health.RootElement.GetProperty("deadLetteredMessages").GetInt32());
    }

    [Fact]
    public async Task Ports_AreKeptApart_NoGrpcOnTheMainPortAndNothingElseOnThePubSubPort()
    {
        await StartAsync();

        var onMain = await _stack!.Client.PostAsync("/google.pubsub.v1.Publisher/Publish", new ByteArrayContent([0, 0, 0, 0, 0]));
        using var h2c = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var onPubSub = await h2c.GetAsync($"http://{_stack.PubSubEmulatorHost}/healthz");

        Assert.Equal(HttpStatusCode.NotFound, onMain.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _stack.Client.GetAsync("/healthz")).StatusCode);
        Assert.Equal("12", onPubSub.Headers.GetValues("grpc-status").Single());
    }

    private static PubsubMessage Message(string text) => new() { Data = ByteString.CopyFromUtf8(text) };
}

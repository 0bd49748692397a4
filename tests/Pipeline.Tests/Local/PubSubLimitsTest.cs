using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Pipeline.Local;
using PublishLimits = Pipeline.Local.PubSub.PublishLimits;
using TopicName = Pipeline.Local.PubSub.TopicName;
using TopicRegistry = Pipeline.Local.PubSub.TopicRegistry;
using UndeliveredMessageStore = Pipeline.Local.PubSub.UndeliveredMessageStore;
using Pipeline.Local.PubSub.V1;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Local;

/// <summary>
/// The local Publisher held to production where Google's emulator is not: Pub/Sub's limits refuse a publish or a
/// topic with INVALID_ARGUMENT, the product topics exist in the configured project only, and what is published to a
/// topic nobody receives is dropped.
/// </summary>
public sealed class PubSubLimitsTest : IAsyncDisposable
{
    private const string Scratch = "projects/demo/topics/scratch";
    private LocalStackHost? _stack;
    private GrpcChannel? _channel;

    private async Task<Publisher.PublisherClient> StartAsync()
    {
        _stack = await LocalStackHost.StartOnLoopbackAsync();
        _channel = GrpcChannel.ForAddress($"http://{_stack.PubSubEmulatorHost}", new GrpcChannelOptions { MaxSendMessageSize = null });
        var publisher = new Publisher.PublisherClient(_channel);
        await publisher.CreateTopicAsync(new Topic { Name = Scratch });
        return publisher;
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
    public async Task RequestOverTenMillionBytes_IsRefusedAsProductionDoesAndOneAtTheLimitIsPublished()
    {
        var publisher = await StartAsync();
        var atLimit = new PublishRequest { Topic = Scratch, Messages = { new PubsubMessage { Data = ByteString.CopyFrom(new byte[9_999_900]) } } };
        atLimit.Messages[0].Data = ByteString.CopyFrom(new byte[9_999_900 + PublishLimits.MaxRequestBytes - atLimit.CalculateSize()]);
        Assert.Equal(PublishLimits.MaxRequestBytes, atLimit.CalculateSize());
        var over = atLimit.Clone();
        over.Messages[0].Attributes["k"] = "v";

        Assert.Single((await publisher.PublishAsync(atLimit)).MessageIds);
        var refused = await Assert.ThrowsAsync<RpcException>(() => publisher.PublishAsync(over).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal($"The value for request_size is too large. You passed {over.CalculateSize()} in the request, but the maximum value is 10000000.",
            refused.Status.Detail);
    }

    [Fact]
    public async Task ThousandAndOneMessages_AreRefusedWholeAndAThousandArePublished()
    {
        var publisher = await StartAsync();

        var thousand = await publisher.PublishAsync(Request(Enumerable.Range(0, 1000).Select(_ => Message())));
        var refused = await Assert.ThrowsAsync<RpcException>(() => publisher.PublishAsync(Request(Enumerable.Range(0, 1001).Select(_ => Message()))).ResponseAsync);

        Assert.Equal(1000, thousand.MessageIds.Count);
        Assert.Equal((StatusCode.InvalidArgument, "The value for message_count is too large. You passed 1001 in the request, but the maximum value is 1000."),
            (refused.StatusCode, refused.Status.Detail));
    }

    public static TheoryData<string, int, int> MessageLimits() => new()
    {
        // what, how far over, the limit
        { "attribute_count", 101, 100 },
        { "attribute_key_size", 257, 256 },
        { "attribute_value_size", 1025, 1024 },
        { "ordering_key_size", 1025, 1024 },
    };

    [Theory]
    [MemberData(nameof(MessageLimits))]
    public async Task MessageOverALimit_IsRefusedWholeAndOneAtTheLimitIsPublished(string what, int over, int limit)
    {
        var publisher = await StartAsync();

        var atLimit = await publisher.PublishAsync(Request([Message(), Sized(what, limit)]));
        var refused = await Assert.ThrowsAsync<RpcException>(() => publisher.PublishAsync(Request([Message(), Sized(what, over)])).ResponseAsync);

        Assert.Equal(2, atLimit.MessageIds.Count);
        Assert.Equal((StatusCode.InvalidArgument, $"The value for {what} is too large. You passed {over} in the request, but the maximum value is {limit}."),
            (refused.StatusCode, refused.Status.Detail));
    }

    [Theory]
    [InlineData(599, StatusCode.InvalidArgument)]
    [InlineData(600, StatusCode.OK)]
    [InlineData(2_678_400, StatusCode.OK)]
    [InlineData(2_678_401, StatusCode.InvalidArgument)]
    public async Task TopicRetention_IsHeldToTenMinutesToThirtyOneDays(int seconds, StatusCode expected)
    {
        var publisher = await StartAsync();

        var create = publisher.CreateTopicAsync(new Topic { Name = "projects/demo/topics/kept", MessageRetentionDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(seconds)) });

        var status = await Outcome(create.ResponseAsync);
        Assert.Equal(expected, status);
        Assert.Equal(expected == StatusCode.OK, await Outcome(publisher.GetTopicAsync(new GetTopicRequest { Topic = "projects/demo/topics/kept" }).ResponseAsync) == StatusCode.OK);
    }

    [Fact]
    public async Task ProductTopicsInAnotherProject_AreNotFoundUntilCreatedAndThenTriggerNothing()
    {
        var publisher = await StartAsync();
        const string elsewhere = "projects/wrong-project/topics/user-interaction";

        var get = await Outcome(publisher.GetTopicAsync(new GetTopicRequest { Topic = elsewhere }).ResponseAsync);
        var publish = await Outcome(publisher.PublishAsync(new PublishRequest { Topic = elsewhere, Messages = { Message(Messages.SeedInteraction) } }).ResponseAsync);
        var list = await publisher.ListTopicsAsync(new ListTopicsRequest { Project = "projects/wrong-project" });
        await publisher.CreateTopicAsync(new Topic { Name = elsewhere });
        var afterCreate = await publisher.PublishAsync(new PublishRequest { Topic = elsewhere, Messages = { Message(Messages.SeedInteraction) } });

        Assert.Equal((StatusCode.NotFound, StatusCode.NotFound), (get, publish));
        Assert.Empty(list.Topics);
        Assert.Single(afterCreate.MessageIds);
        Assert.Empty(await _stack!.QueryAsync("SELECT * FROM user_interaction"));
        // In the configured project the product topic is the function's trigger, as deployed.
        await publisher.PublishAsync(new PublishRequest { Topic = "projects/demo/topics/user-interaction", Messages = { Message(Messages.SeedInteraction) } });
        Assert.Single(await _stack.QueryAsync("SELECT * FROM user_interaction"));
    }

    [Fact]
    public async Task MessageOnATopicNobodyReceives_IsDroppedNotKeptNorCounted()
    {
        var publisher = await StartAsync();

        var published = await publisher.PublishAsync(Request(Enumerable.Range(0, 50).Select(_ => Message())));

        Assert.Equal(50, published.MessageIds.Count);
        Assert.Empty(await _stack!.Services.GetRequiredService<UndeliveredMessageStore>().ListAsync(default));
        Assert.False(Directory.Exists(_stack.Options.DeadLetterDir) && Directory.EnumerateFiles(_stack.Options.DeadLetterDir).Any());
        Assert.Contains("\"deadLetteredMessages\":0", await _stack.Client.GetStringAsync("/healthz"));
    }

    [Fact]
    public void TopicsPerProject_StopAtTenThousandCountingTheProductTopics()
    {
        var registry = new TopicRegistry(new LocalFunctions(), new LocalOptions { Project = "demo" });
        var created = Enumerable.Range(0, PublishLimits.MaxTopicsPerProject)
            .Count(i => registry.Create(new TopicName("demo", $"t-{i}"), new Topic()) is null);
        var otherProject = registry.Create(new TopicName("other", "t-0"), new Topic());
        var refused = registry.Create(new TopicName("demo", "one-more"), new Topic());
        registry.Delete(new TopicName("demo", "t-0"));
        var afterDelete = registry.Create(new TopicName("demo", "one-more"), new Topic());

        Assert.Equal(PublishLimits.MaxTopicsPerProject - 2, created);
        Assert.Null(otherProject);
        Assert.Equal(StatusCode.ResourceExhausted, refused?.Code);
        Assert.Null(afterDelete);
    }

    private static PublishRequest Request(IEnumerable<PubsubMessage> messages) => new() { Topic = Scratch, Messages = { messages } };

    private static PubsubMessage Message(string text = "{}") => new() { Data = ByteString.CopyFromUtf8(text) };

    private static PubsubMessage Sized(string what, int size)
    {
        var message = Message();
        switch (what)
        {
            case "attribute_count":
                message.Attributes.Add(Enumerable.Range(0, size).ToDictionary(i => $"a{i}", _ => "v"));
                break;
            case "attribute_key_size":
                message.Attributes[new string('k', size)] = "v";
                break;
            case "attribute_value_size":
                // Bytes, not characters: 'é' is two in UTF-8.
                message.Attributes["k"] = new string('é', size / 2) + new string('v', size % 2);
                break;
            default:
                message.OrderingKey = new string('o', size);
                break;
        }
        return message;
    }

    private static async Task<StatusCode> Outcome(Task call)
    {
        try
        {
            await call;
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }
}

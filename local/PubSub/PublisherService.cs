using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Pipeline.Local.PubSub.V1;

namespace Pipeline.Local.PubSub;

/// <summary>
/// <c>google.pubsub.v1.Publisher</c> on the Pub/Sub port, what official clients speak with <c>PUBSUB_EMULATOR_HOST</c>:
/// Publish through <see cref="LocalPubSub"/>, the same path and guarantees as the REST endpoint, and CreateTopic,
/// GetTopic, ListTopics and DeleteTopic on the <see cref="TopicRegistry"/>. Refusals are gRPC statuses; every other
/// method answers UNIMPLEMENTED.
/// </summary>
public sealed class PublisherService(LocalPubSub pubSub, TopicRegistry topics) : Publisher.PublisherBase
{
    /// <summary>The most topics one ListTopics page holds, as Pub/Sub's own limit.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>
    /// Answers the message ids, in request order, once every message is acknowledged by its function or kept;
    /// INVALID_ARGUMENT first for a request over <see cref="PublishLimits.MaxRequestBytes"/>, as production.
    /// </summary>
    public override async Task<V1.PublishResponse> Publish(V1.PublishRequest request, ServerCallContext context)
    {
        if (PublishLimits.CheckRequestSize(request.CalculateSize()) is { } tooLarge)
        {
            throw tooLarge.ToRpcException();
        }
        var name = Parse(request.Topic);
        // The bytes in base64 once: the form the event carries them in.
        var messages = request.Messages
            .Select(message => new OutgoingMessage(message.Data.ToBase64(), new Dictionary<string, string>(message.Attributes), message.OrderingKey))
            .ToList();
        var outcome = await pubSub.PublishAsync(name, messages);
        if (outcome.Refusal is { } refusal)
        {
            throw refusal.ToRpcException();
        }
        return new V1.PublishResponse { MessageIds = { outcome.MessageIds } };
    }

    /// <summary>
    /// Creates the topic and answers it: ALREADY_EXISTS for a product topic or one created before, INVALID_ARGUMENT for a
    /// retention outside Pub/Sub's bounds, RESOURCE_EXHAUSTED past the topics a project may hold.
    /// </summary>
    public override Task<Topic> CreateTopic(Topic request, ServerCallContext context)
    {
        var name = Parse(request.Name);
        if (topics.Create(name, request) is { } refusal)
        {
            throw refusal.ToRpcException();
        }
        return Task.FromResult(topics.Find(name)!);
    }

    /// <summary>Answers the topic, or NOT_FOUND.</summary>
    public override Task<Topic> GetTopic(GetTopicRequest request, ServerCallContext context)
    {
        var name = Parse(request.Topic);
        return Task.FromResult(topics.Find(name) ?? throw PubSubRefusal.TopicNotFound(name).ToRpcException());
    }

    /// <summary>Answers the project's topics by name, <c>page_size</c> at a time (all, up to 1000, when 0).</summary>
    public override Task<ListTopicsResponse> ListTopics(ListTopicsRequest request, ServerCallContext context)
    {
        if (!TopicName.TryParseProject(request.Project, out var project, out var refusal))
        {
            throw refusal.ToRpcException();
        }
        var size = request.PageSize is > 0 and < MaxPageSize ? request.PageSize : MaxPageSize;
        // The page token is the name of the last topic of the page before.
        var rest = topics.List(project).Where(topic => string.CompareOrdinal(topic.Name, request.PageToken) > 0).ToList();
        var page = rest.Take(size).ToList();
        return Task.FromResult(new ListTopicsResponse
        {
            Topics = { page },
            NextPageToken = rest.Count > page.Count ? page[^1].Name : "",
        });
    }

    /// <summary>Deletes a created topic: NOT_FOUND if there is none, FAILED_PRECONDITION for a product topic.</summary>
    public override Task<Empty> DeleteTopic(DeleteTopicRequest request, ServerCallContext context)
    {
        var name = Parse(request.Topic);
        return topics.Delete(name) is { } refusal ? throw refusal.ToRpcException() : Task.FromResult(new Empty());
    }

    private static TopicName Parse(string fullName) =>
        TopicName.TryParse(fullName, out var name, out var refusal) ? name : throw refusal.ToRpcException();
}

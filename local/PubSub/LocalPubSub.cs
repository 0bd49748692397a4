using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Pipeline.Eventarc;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;

namespace Pipeline.Local.PubSub;

/// <summary>
/// Pub/Sub as the local stack plays it, one publish path for both of its endpoints (REST <c>topics.publish</c> and
/// the gRPC Publisher): it assigns message ids, hands each message to the function its topic triggers as the
/// Eventarc CloudEvent production receives, retries non-2xx answers with back-off, keeps what never succeeds in the
/// <see cref="DeadLetterStore"/>, and answers once every message is acknowledged or kept. A message published to a
/// topic no function is triggered by (one made by <c>CreateTopic</c>) is kept there at once, with a warning.
/// </summary>
public sealed class LocalPubSub(
    TopicRegistry topics,
    FunctionInvoker invoker,
    DeadLetterStore deadLetters,
    DeliveryOptions delivery,
    TimeProvider clock,
    IHostApplicationLifetime lifetime,
    ILogger<LocalPubSub> logger)
{
    private readonly long _idBase = clock.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
    private long _sequence;

    /// <summary>
    /// <c>topics.publish</c>: 400 for a malformed name, 404 for a topic that does not exist, 400 for an empty request
    /// or a message without data or attributes or with data that is not base64; otherwise, once every message is
    /// delivered or kept, 200 with their ids.
    /// </summary>
    public async Task<IResult> PublishAsync(string project, string topic, PublishRequest? request)
    {
        if (!TopicName.TryCreate(project, topic, out var name, out var refusal))
        {
            return refusal.ToHttpResult();
        }
        var decoded = new List<PubsubMessage>(request?.Messages?.Count ?? 0);
        foreach (var message in request?.Messages ?? [])
        {
            if (!TryDecode(message, out var pubsubMessage, out var problem))
            {
                // A missing topic answers 404 before a bad message answers 400, as Pub/Sub does.
                return (topics.Exists(name) ? Invalid(problem) : PubSubRefusal.TopicNotFound(name)).ToHttpResult();
            }
            decoded.Add(pubsubMessage);
        }
        var outcome = await PublishAsync(name, decoded);
        return outcome.Refusal?.ToHttpResult() ?? Results.Ok(new PublishResponse(outcome.MessageIds));
    }

    /// <summary>
    /// Publishes <paramref name="messages"/> (data, attributes and ordering key; ids and publish times are assigned
    /// here) to <paramref name="topic"/>: NOT_FOUND if it does not exist, INVALID_ARGUMENT for no messages or a
    /// message without data or attributes (then nothing is published); otherwise the ids in request order, once each
    /// message was acknowledged by its function (its rows are durable) or kept in the dead-letter file.
    /// </summary>
    public async Task<PublishOutcome> PublishAsync(TopicName topic, IReadOnlyList<PubsubMessage> messages)
    {
        if (!topics.Exists(topic))
        {
            return new PublishOutcome([], PubSubRefusal.TopicNotFound(topic));
        }
        if (messages.Count == 0)
        {
            return new PublishOutcome([], Invalid("The request contains no messages."));
        }
        if (messages.Any(message => message.Data.IsEmpty && message.Attributes.Count == 0))
        {
            return new PublishOutcome([], Invalid("A message must have data or at least one attribute."));
        }
        var published = messages.Select(Stamp).ToList();
        // Delivery outlives a client that hangs up: an accepted message is delivered or kept either way.
        var stopping = lifetime.ApplicationStopping;
        await Task.WhenAll(published.Select(message => topics.TryGetFunction(topic, out var functionName)
            ? DeliverAsync(topic.Project, topic.Topic, functionName, message, stopping)
            : KeepUnheardAsync(topic, message)));
        return new PublishOutcome(published.Select(m => m.MessageId).ToList(), null);
    }

    private static PubSubRefusal Invalid(string message) => new(Grpc.Core.StatusCode.InvalidArgument, message);

    private static bool TryDecode(PublishedMessage message, out PubsubMessage decoded, out string problem)
    {
        decoded = new PubsubMessage { OrderingKey = message.OrderingKey ?? "" };
        problem = "";
        if (message.Data is { Length: > 0 } text)
        {
            try
            {
                decoded.Data = ByteString.CopyFrom(Convert.FromBase64String(text));
            }
            catch (FormatException)
            {
                problem = "Invalid data in message: the data field must be base64.";
                return false;
            }
        }
        if (message.Attributes is { } attributes)
        {
            if (attributes.ContainsValue(null!))
            {
                problem = "Invalid attributes in message: every attribute value must be a string.";
                return false;
            }
            decoded.Attributes.Add(attributes);
        }
        return true;
    }

    private PubsubMessage Stamp(PubsubMessage message)
    {
        var stamped = message.Clone();
        stamped.MessageId = (_idBase + Interlocked.Increment(ref _sequence)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        stamped.PublishTime = Timestamp.FromDateTimeOffset(clock.GetUtcNow());
        return stamped;
    }

    private async Task KeepUnheardAsync(TopicName topic, PubsubMessage message)
    {
        await deadLetters.KeepAsync(new DeadLetteredMessage(
            topic.Topic, message.MessageId, message.Data.ToBase64(), new Dictionary<string, string>(message.Attributes),
            message.PublishTime.ToDateTimeOffset(), 0, 0, clock.GetUtcNow()), CancellationToken.None);
        logger.LogWarning("Message {MessageId} on {Topic}, which no function is triggered by, was kept in {DeadLetterDir}",
            message.MessageId, topic, deadLetters.Directory);
    }

    private async Task DeliverAsync(string project, string topic, string functionName, PubsubMessage message, CancellationToken cancellationToken)
    {
        var request = EventarcRequest.ForPubSubMessage(project, topic, message, $"projects/{project}/subscriptions/eventarc-local-{topic}");
        var status = 0;
        var attempt = 0;
        try
        {
            while (++attempt <= delivery.MaxAttempts)
            {
                status = await invoker.InvokeAsync(functionName, request, cancellationToken);
                if (status is >= 200 and < 300)
                {
                    return;
                }
                logger.LogWarning("{Function} answered {Status} to message {MessageId} (attempt {Attempt} of {MaxAttempts})",
                    functionName, status, message.MessageId, attempt, delivery.MaxAttempts);
                if (attempt < delivery.MaxAttempts)
                {
                    await Task.Delay(delivery.Backoff.Delay(attempt), clock, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down mid-delivery: keep the message rather than drop it.
        }
        await deadLetters.KeepAsync(new DeadLetteredMessage(
            topic, message.MessageId, message.Data.ToBase64(), new Dictionary<string, string>(message.Attributes),
            message.PublishTime.ToDateTimeOffset(), Math.Min(attempt, delivery.MaxAttempts), status, clock.GetUtcNow()), CancellationToken.None);
        logger.LogError("Message {MessageId} on {Topic} was never acknowledged by {Function}; kept in {DeadLetterDir}",
            message.MessageId, topic, functionName, deadLetters.Directory);
    }
}

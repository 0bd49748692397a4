using System.Buffers.Text;
using Pipeline.EventarcRequests;

namespace Pipeline.Local.PubSub;

/// <summary>
/// Pub/Sub as the local stack plays it, one publish path for both of its endpoints (REST <c>topics.publish</c> and
/// the gRPC Publisher): it assigns message ids, hands each message to the function its topic triggers as the
/// Eventarc CloudEvent production receives, retries non-2xx answers with back-off, keeps what never succeeds in the
/// <see cref="UndeliveredMessageStore"/>, and answers once every message is acknowledged or kept. A message published to a
/// topic no function is triggered by (one made by <c>CreateTopic</c>) is dropped, as Pub/Sub drops what is published
/// to a topic without subscriptions. Pub/Sub's limits (<see cref="PublishLimits"/>) refuse a publish whole.
/// </summary>
public sealed class LocalPubSub(
    TopicRegistry topics,
    FunctionInvoker invoker,
    UndeliveredMessageStore deadLetters,
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
        var accepted = new List<OutgoingMessage>(request?.Messages?.Count ?? 0);
        foreach (var message in request?.Messages ?? [])
        {
            if (!TryAccept(message, out var outgoing, out var problem))
            {
                // A missing topic answers 404 before a bad message answers 400, as Pub/Sub does.
                return (topics.Exists(name) ? Invalid(problem) : PubSubRefusal.TopicNotFound(name)).ToHttpResult();
            }
            accepted.Add(outgoing);
        }
        var outcome = await PublishAsync(name, accepted);
        return outcome.Refusal?.ToHttpResult() ?? Results.Ok(new PublishResponse(outcome.MessageIds));
    }

    /// <summary>
    /// Publishes <paramref name="messages"/> (data, attributes and ordering key; ids and publish times are assigned
    /// here) to <paramref name="topic"/>: NOT_FOUND if it does not exist, INVALID_ARGUMENT for no messages, a
    /// message without data or attributes, or one beyond Pub/Sub's limits (then nothing is published); otherwise the ids in request order, once each
    /// message was acknowledged by its function (its rows are durable) or kept in the dead-letter file.
    /// </summary>
    public async Task<PublishOutcome> PublishAsync(TopicName topic, IReadOnlyList<OutgoingMessage> messages)
    {
        if (!topics.Exists(topic))
        {
            return new PublishOutcome([], PubSubRefusal.TopicNotFound(topic));
        }
        if (messages.Count == 0)
        {
            return new PublishOutcome([], Invalid("The request contains no messages."));
        }
        if (messages.Any(message => message.IsEmpty))
        {
            return new PublishOutcome([], Invalid("A message must have data or at least one attribute."));
        }
        if (PublishLimits.Check(messages) is { } beyondLimit)
        {
            return new PublishOutcome([], beyondLimit);
        }
        var published = messages.Select(Stamp).ToList();
        // Delivery outlives a client that hangs up: an accepted message is delivered or kept either way.
        var stopping = lifetime.ApplicationStopping;
        await Task.WhenAll(published.Select(message => topics.TryGetFunction(topic, out var functionName)
            ? DeliverAsync(topic.Project, topic.Topic, functionName, message, stopping)
            : DropUnheard(topic, message)));
        return new PublishOutcome(published.Select(m => m.MessageId).ToList(), null);
    }

    private static PubSubRefusal Invalid(string message) => new(Grpc.Core.StatusCode.InvalidArgument, message);

    /// <summary>
    /// A REST message as the event will carry it: its base64 data checked, not decoded (text that decodes but is not
    /// in canonical form, such as one with line breaks, is written again canonically).
    /// </summary>
    private static bool TryAccept(PublishedMessage message, out OutgoingMessage accepted, out string problem)
    {
        accepted = null!;
        problem = "";
        var data = message.Data ?? "";
        if (!Base64.IsValid(data, out var length))
        {
            problem = "Invalid data in message: the data field must be base64.";
            return false;
        }
        if (data.Length != (length + 2) / 3 * 4)
        {
            data = Convert.ToBase64String(Convert.FromBase64String(data));
        }
        if (message.Attributes is { } attributes && attributes.ContainsValue(null!))
        {
            problem = "Invalid attributes in message: every attribute value must be a string.";
            return false;
        }
        accepted = new OutgoingMessage(data,
            message.Attributes ?? (IReadOnlyDictionary<string, string>)System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty, message.OrderingKey ?? "");
        return true;
    }

    /// <summary>A message with the id and publish time Pub/Sub gives it (microseconds, as Pub/Sub's own times).</summary>
    private sealed record Published(OutgoingMessage Message, string MessageId, DateTimeOffset PublishTime);

    private Published Stamp(OutgoingMessage message)
    {
        var now = clock.GetUtcNow();
        return new Published(message,
            (_idBase + Interlocked.Increment(ref _sequence)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond)));
    }

    /// <summary>What Pub/Sub does with a message on a topic without subscriptions: nothing, once it is published.</summary>
    private Task DropUnheard(TopicName topic, Published message)
    {
        logger.LogInformation("Message {MessageId} on {Topic}, which no function is triggered by, was dropped (the topic has no subscriptions)",
            message.MessageId, topic);
        return Task.CompletedTask;
    }

    private async Task DeliverAsync(string project, string topic, string functionName, Published message, CancellationToken cancellationToken)
    {
        var request = EventarcRequest.ForPubSubMessage(project, topic, message.MessageId, message.PublishTime, message.Message.Data,
            message.Message.Attributes, message.Message.OrderingKey, $"projects/{project}/subscriptions/eventarc-local-{topic}");
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
            topic, message.MessageId, message.Message.Data, new Dictionary<string, string>(message.Message.Attributes),
            message.PublishTime, Math.Min(attempt, delivery.MaxAttempts), status, clock.GetUtcNow()), CancellationToken.None);
        logger.LogError("Message {MessageId} on {Topic} was never acknowledged by {Function}; kept in {DeadLetterDir}",
            message.MessageId, topic, functionName, deadLetters.Directory);
    }
}

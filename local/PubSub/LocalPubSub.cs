using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Pipeline.Eventarc;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;

namespace Pipeline.Local.PubSub;

/// <summary>
/// Pub/Sub as the local stack plays it: <c>topics.publish</c> assigns message ids, hands each message to the
/// function its topic triggers as the Eventarc CloudEvent production receives, retries non-2xx answers with
/// back-off, keeps what never succeeds in the <see cref="DeadLetterStore"/>, and answers once every message is
/// acknowledged or kept.
/// </summary>
public sealed class LocalPubSub(
    LocalFunctions functions,
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
    /// <c>topics.publish</c>: 404 for a topic no function is triggered by, 400 for an empty request or a message
    /// without data or attributes or with data that is not base64; otherwise, once every message is delivered or
    /// kept, 200 with their ids.
    /// </summary>
    public async Task<IResult> PublishAsync(string project, string topic, PublishRequest? request)
    {
        if (!functions.ByTopic.TryGetValue(topic, out var functionName))
        {
            return Error(StatusCodes.Status404NotFound, "NOT_FOUND", $"Resource not found (resource={topic}).");
        }
        if (request?.Messages is not { Count: > 0 } messages)
        {
            return Error(StatusCodes.Status400BadRequest, "INVALID_ARGUMENT", "The request contains no messages.");
        }
        var decoded = new List<PubsubMessage>(messages.Count);
        foreach (var message in messages)
        {
            if (!TryDecode(message, out var pubsubMessage, out var problem))
            {
                return Error(StatusCodes.Status400BadRequest, "INVALID_ARGUMENT", problem);
            }
            decoded.Add(pubsubMessage);
        }
        // Delivery outlives a client that hangs up: an accepted message is delivered or kept either way.
        var stopping = lifetime.ApplicationStopping;
        await Task.WhenAll(decoded.Select(message => DeliverAsync(project, topic, functionName, message, stopping)));
        return Results.Ok(new PublishResponse(decoded.Select(m => m.MessageId!).ToList()));
    }

    private bool TryDecode(PublishedMessage message, out PubsubMessage decoded, out string problem)
    {
        decoded = null!;
        problem = "";
        byte[] data = [];
        if (message.Data is { Length: > 0 } text)
        {
            try
            {
                data = Convert.FromBase64String(text);
            }
            catch (FormatException)
            {
                problem = "Invalid data in message: the data field must be base64.";
                return false;
            }
        }
        if (data.Length == 0 && message.Attributes is not { Count: > 0 })
        {
            problem = "A message must have data or at least one attribute.";
            return false;
        }
        decoded = new PubsubMessage
        {
            Data = ByteString.CopyFrom(data),
            OrderingKey = message.OrderingKey ?? "",
            MessageId = (_idBase + Interlocked.Increment(ref _sequence)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            PublishTime = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
        };
        if (message.Attributes is { } attributes)
        {
            decoded.Attributes.Add(attributes);
        }
        return true;
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
                    await Task.Delay(delivery.Backoff(attempt), clock, cancellationToken);
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

    private static IResult Error(int code, string status, string message) =>
        Results.Json(GoogleError.Of(code, status, message), statusCode: code);
}

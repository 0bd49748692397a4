using System.Text;
using Grpc.Core;

namespace Pipeline.Local.PubSub;

/// <summary>
/// Pub/Sub's resource limits (its quotas and limits page), which production enforces and Google's emulator does not:
/// a publish beyond one is refused whole with INVALID_ARGUMENT, in production's words, so a publisher that works
/// locally does not fail in production.
/// </summary>
public static class PublishLimits
{
    /// <summary>The largest publish request, in bytes (the request as sent: its serialized gRPC message).</summary>
    public const int MaxRequestBytes = 10_000_000;

    /// <summary>The most messages in one publish request.</summary>
    public const int MaxMessages = 1000;

    /// <summary>The most attributes on one message.</summary>
    public const int MaxAttributes = 100;

    /// <summary>The longest attribute key, in UTF-8 bytes.</summary>
    public const int MaxAttributeKeyBytes = 256;

    /// <summary>The longest attribute value, in UTF-8 bytes.</summary>
    public const int MaxAttributeValueBytes = 1024;

    /// <summary>The longest ordering key, in UTF-8 bytes.</summary>
    public const int MaxOrderingKeyBytes = 1024;

    /// <summary>The shortest message retention a topic may be given.</summary>
    public static readonly TimeSpan MinRetention = TimeSpan.FromMinutes(10);

    /// <summary>The longest message retention a topic may be given.</summary>
    public static readonly TimeSpan MaxRetention = TimeSpan.FromDays(31);

    /// <summary>The most topics one project may hold.</summary>
    public const int MaxTopicsPerProject = 10_000;

    /// <summary>INVALID_ARGUMENT for a request over <see cref="MaxRequestBytes"/>, as production words it; null within it.</summary>
    public static PubSubRefusal? CheckRequestSize(long bytes) => bytes > MaxRequestBytes ? TooLarge("request_size", bytes, MaxRequestBytes) : null;

    /// <summary>INVALID_ARGUMENT for the first limit <paramref name="messages"/> exceed; null when every one holds.</summary>
    public static PubSubRefusal? Check(IReadOnlyList<OutgoingMessage> messages)
    {
        if (messages.Count > MaxMessages)
        {
            return TooLarge("message_count", messages.Count, MaxMessages);
        }
        foreach (var message in messages)
        {
            if (message.Attributes.Count > MaxAttributes)
            {
                return TooLarge("attribute_count", message.Attributes.Count, MaxAttributes);
            }
            foreach (var (key, value) in message.Attributes)
            {
                if (Encoding.UTF8.GetByteCount(key) is var keyBytes && keyBytes > MaxAttributeKeyBytes)
                {
                    return TooLarge("attribute_key_size", keyBytes, MaxAttributeKeyBytes);
                }
                if (Encoding.UTF8.GetByteCount(value) is var valueBytes && valueBytes > MaxAttributeValueBytes)
                {
                    return TooLarge("attribute_value_size", valueBytes, MaxAttributeValueBytes);
                }
            }
            if (Encoding.UTF8.GetByteCount(message.OrderingKey) is var orderingKeyBytes && orderingKeyBytes > MaxOrderingKeyBytes)
            {
                return TooLarge("ordering_key_size", orderingKeyBytes, MaxOrderingKeyBytes);
            }
        }
        return null;
    }

    /// <summary>INVALID_ARGUMENT for a retention outside 10 minutes to 31 days; null when none is set or it is within.</summary>
    public static PubSubRefusal? CheckRetention(TimeSpan? retention) =>
        retention is { } value && (value < MinRetention || value > MaxRetention)
            ? new PubSubRefusal(StatusCode.InvalidArgument,
                $"Invalid message_retention_duration: {value.TotalSeconds}s is outside the allowed range [600s, 2678400s].")
            : null;

    private static PubSubRefusal TooLarge(string what, long passed, long maximum) => new(StatusCode.InvalidArgument,
        $"The value for {what} is too large. You passed {passed} in the request, but the maximum value is {maximum}.");
}

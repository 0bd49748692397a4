using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using Google.Protobuf;

namespace Pipeline.Events.Protobuf;

/// <summary>
/// Reads the data of an untyped CloudEvent: its raw bytes, and the payload they should hold. Ours: an untyped
/// function decodes its own data so that it can keep what does not decode, where a typed one would answer 400.
/// </summary>
public static class CloudEventPayload
{
    /// <summary>
    /// The raw bytes of the data: a JSON element's own UTF-8 (even when a string inside it is not valid UTF-8, where
    /// turning it into text would throw), a byte array as is, text as UTF-8.
    /// </summary>
    /// <param name="cloudEvent">The event.</param>
    public static ReadOnlyMemory<byte> RawBytes(CloudEvent cloudEvent) => cloudEvent.Data switch
    {
        JsonElement element => JsonMarshal.GetRawUtf8Value(element).ToArray(),
        byte[] bytes => bytes,
        string text => Encoding.UTF8.GetBytes(text),
        null => ReadOnlyMemory<byte>.Empty,
        var other => Encoding.UTF8.GetBytes(other.ToString() ?? ""),
    };

    /// <summary>
    /// Decodes the event's data as <typeparamref name="T"/> by protobuf's JSON rules
    /// (<see cref="ProtobufJsonCloudEventFormatter{T}"/>), or says why it is not one.
    /// </summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="cloudEvent">The event.</param>
    /// <param name="data">The payload, when it decodes.</param>
    /// <param name="reason">Why it does not, naming the type.</param>
    public static bool TryDecode<T>(CloudEvent cloudEvent, out T data, out string reason) where T : class, IMessage<T>, new()
    {
        data = null!;
        reason = "";
        if (cloudEvent.Data is T typed)
        {
            data = typed;
            return true;
        }
        var bytes = RawBytes(cloudEvent);
        if (bytes.IsEmpty)
        {
            reason = "the event has no data";
            return false;
        }
        try
        {
            data = ProtobufJsonCloudEventFormatter<T>.Parse(bytes.Span);
            return true;
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or FormatException or InvalidJsonException)
        {
            reason = $"data is not a {typeof(T).Name}: {e.Message}";
            return false;
        }
    }
}

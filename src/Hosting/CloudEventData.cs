using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;

namespace Pipeline.Hosting;

/// <summary>A CloudEvent's data as the bytes that carried it, whatever form the formatter decoded it to.</summary>
public static class CloudEventData
{
    /// <summary>
    /// The raw bytes of the data: a JSON element's own UTF-8 (even when a string inside it is not valid UTF-8, where
    /// turning it into text would throw), a byte array as is, text as UTF-8.
    /// </summary>
    public static ReadOnlyMemory<byte> RawBytes(CloudEvent cloudEvent) => cloudEvent.Data switch
    {
        JsonElement element => JsonMarshal.GetRawUtf8Value(element).ToArray(),
        byte[] bytes => bytes,
        string text => Encoding.UTF8.GetBytes(text),
        null => ReadOnlyMemory<byte>.Empty,
        var other => Encoding.UTF8.GetBytes(other.ToString() ?? ""),
    };
}

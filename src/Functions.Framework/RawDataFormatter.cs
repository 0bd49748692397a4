using System.Runtime.InteropServices;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;

namespace Pipeline.Functions.Framework;

/// <summary>
/// The untyped adapter's formatter: a binary-mode (or Pub/Sub push) body is the event's data as the bytes that
/// carried it, not parsed, so an untyped function decodes its payload once and can keep what does not decode. The
/// body's own array when it is exactly the body (the reader sizes its buffer by Content-Length), else a copy. A
/// structured-mode event is read as <see cref="JsonEventFormatter"/> reads it (its data is then a <c>JsonElement</c>).
/// </summary>
internal sealed class RawDataFormatter : JsonEventFormatter
{
    public override void DecodeBinaryModeEventData(ReadOnlyMemory<byte> body, CloudEvent cloudEvent) =>
        cloudEvent.Data = body.IsEmpty ? null
            : MemoryMarshal.TryGetArray(body, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length ? segment.Array
            : body.ToArray();
}

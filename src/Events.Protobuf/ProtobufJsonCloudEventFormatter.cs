using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Google.Protobuf;

namespace Pipeline.Events.Protobuf;

/// <summary>
/// A CloudEvent formatter whose data is the protobuf message <typeparamref name="T"/> in protobuf's JSON form, as the
/// official Google.Events.Protobuf formatter of the same name: camelCase or original field names, int64 as string or
/// number, unknown fields (such as <c>@type</c>) ignored. Attributes are read and written as
/// <see cref="JsonEventFormatter"/> does.
/// </summary>
/// <typeparam name="T">The payload type.</typeparam>
public sealed class ProtobufJsonCloudEventFormatter<T> : JsonEventFormatter where T : class, IMessage<T>, new()
{
    private static readonly JsonParser s_parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>
    /// Parses <paramref name="utf8Json"/> as <typeparamref name="T"/>. Throws <see cref="InvalidProtocolBufferException"/>
    /// when it is not JSON of that shape, <see cref="FormatException"/> when it is not UTF-8 or a value is malformed.
    /// </summary>
    public static T Parse(ReadOnlySpan<byte> utf8Json)
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8Json))
        {
            throw new FormatException("the data is not UTF-8");
        }
        return s_parser.Parse<T>(Encoding.UTF8.GetString(utf8Json));
    }

    /// <inheritdoc />
    public override void DecodeBinaryModeEventData(ReadOnlyMemory<byte> body, CloudEvent cloudEvent) =>
        cloudEvent.Data = body.IsEmpty ? null : Parse(body.Span);

    /// <inheritdoc />
    public override ReadOnlyMemory<byte> EncodeBinaryModeEventData(CloudEvent cloudEvent) =>
        cloudEvent.Data is T data ? Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(data)) : base.EncodeBinaryModeEventData(cloudEvent);

    /// <inheritdoc />
    protected override void DecodeStructuredModeDataProperty(JsonElement dataElement, CloudEvent cloudEvent) =>
        cloudEvent.Data = Parse(Encoding.UTF8.GetBytes(dataElement.GetRawText()));

    /// <inheritdoc />
    protected override void EncodeStructuredModeData(CloudEvent cloudEvent, Utf8JsonWriter writer)
    {
        if (cloudEvent.Data is T data)
        {
            writer.WritePropertyName(DataPropertyName);
            writer.WriteRawValue(JsonFormatter.Default.Format(data));
            return;
        }
        base.EncodeStructuredModeData(cloudEvent, writer);
    }
}

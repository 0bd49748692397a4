using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Pipeline.Hosting.Events;

/// <summary>
/// Reads CloudEvent payloads with the tolerance of protobuf's JSON parser: camelCase or snake_case names,
/// int64 as string or number, unknown fields (such as <c>@type</c>) ignored.
/// </summary>
public static class EventPayloadJson
{
    /// <summary>Options used to read and write every payload type of this namespace.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    public static TData Deserialize<TData>(JsonElement element) where TData : class =>
        element.Deserialize<TData>(Options) ?? throw new JsonException($"Expected a {typeof(TData).Name} object, got null.");

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            NumberHandling = JsonNumberHandling.AllowReadingFromString,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { AddSnakeCaseAliases } },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>
    /// System.Text.Json matches one name per property, so each camelCase property of a payload type gets a
    /// read-only-on-input twin under its snake_case name (messageId and message_id both fill MessageId).
    /// </summary>
    private static void AddSnakeCaseAliases(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object || typeInfo.Type.Namespace != typeof(EventPayloadJson).Namespace)
        {
            return;
        }
        foreach (var property in typeInfo.Properties.ToList())
        {
            var snake = JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);
            if (snake == property.Name || property.Set is null)
            {
                continue;
            }
            var alias = typeInfo.CreateJsonPropertyInfo(property.PropertyType, snake);
            alias.Set = property.Set;
            alias.Get = null;
            typeInfo.Properties.Add(alias);
        }
    }
}

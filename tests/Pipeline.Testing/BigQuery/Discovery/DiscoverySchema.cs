using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json;

namespace Pipeline.Tests.Fixtures.Discovery;

/// <summary>
/// One JSON schema of a discovery document (a named schema, a property, an array's items, a map's values, or a
/// method's parameter), as the document states it: its <c>type</c> (<c>object</c>, <c>array</c>, <c>string</c>,
/// <c>integer</c>, <c>number</c>, <c>boolean</c>, <c>any</c>; empty for a bare <c>$ref</c>), <c>format</c>
/// (<c>int64</c>, <c>int32</c>, <c>double</c>, …), <c>$ref</c>, <c>properties</c>, <c>items</c>,
/// <c>additionalProperties</c> and <c>enum</c>. Immutable.
/// </summary>
public sealed record DiscoverySchema(
    string Type,
    string? Format,
    string? Ref,
    FrozenDictionary<string, DiscoverySchema>? Properties,
    DiscoverySchema? Items,
    DiscoverySchema? AdditionalProperties,
    ImmutableArray<string> Enum)
{
    /// <summary>The schema a discovery document's JSON states.</summary>
    public static DiscoverySchema From(JsonElement json)
    {
        string? Text(string name) => json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        DiscoverySchema? Nested(string name) =>
            json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? From(value) : null;
        return new DiscoverySchema(
            Text("type") ?? "",
            Text("format"),
            Text("$ref"),
            json.TryGetProperty("properties", out var properties)
                ? properties.EnumerateObject().ToFrozenDictionary(p => p.Name, p => From(p.Value), StringComparer.Ordinal)
                : null,
            Nested("items"),
            Nested("additionalProperties"),
            json.TryGetProperty("enum", out var values) ? [.. values.EnumerateArray().Select(v => v.GetString()!)] : []);
    }

    /// <summary>The proto type Google's error messages name for a value of this schema (e.g. <c>TYPE_INT64</c>).</summary>
    public string ProtoType => (Type, Format) switch
    {
        (_, _) when !Enum.IsDefaultOrEmpty => "TYPE_ENUM",
        ("string", "int64") => "TYPE_INT64",
        ("string", "uint64") => "TYPE_UINT64",
        ("string", "byte") => "TYPE_BYTES",
        ("integer", "uint32") => "TYPE_UINT32",
        ("integer", _) => "TYPE_INT32",
        ("number", "float") => "TYPE_FLOAT",
        ("number", _) => "TYPE_DOUBLE",
        ("boolean", _) => "TYPE_BOOL",
        ("string", _) => "TYPE_STRING",
        ("array", _) => "TYPE_REPEATED",
        _ => "TYPE_MESSAGE",
    };
}

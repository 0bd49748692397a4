using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Pipeline.Tests.Fixtures.Discovery;

/// <summary>One thing wrong with a request: the field (Google's path, e.g. <c>job.configuration</c>) and what is wrong.</summary>
public sealed record DiscoveryViolation(string Field, string Description);

/// <summary>
/// Judges JSON values and query parameter values against a discovery document's schemas, as Google's front end
/// parses a request into its proto message (the proto3 JSON mapping): every member of an object must be a property
/// of its schema (by its JSON name or its proto name) unless the schema is a map (<c>additionalProperties</c>);
/// <c>null</c> is accepted for any field (it means the default); a <c>string</c> takes a JSON string; an int64
/// (<c>type string, format int64</c>) a string of digits or an integral number; an <c>integer</c> an integral
/// number in range, or such a string; a <c>number</c> a number or a numeric string (also <c>NaN</c>,
/// <c>Infinity</c>); a <c>boolean</c> only <c>true</c> or <c>false</c>; an enum one of its names; an
/// <c>array</c> a JSON array; <c>any</c> anything.
/// </summary>
internal sealed class DiscoveryValues(FrozenDictionary<string, DiscoverySchema> schemas)
{
    public DiscoverySchema Resolve(DiscoverySchema schema)
    {
        while (schema.Ref is { } name)
        {
            schema = schemas.TryGetValue(name, out var named)
                ? named
                : throw new InvalidOperationException($"BigQuery's discovery document has no schema '{name}'.");
        }
        return schema;
    }

    /// <summary>Adds to <paramref name="violations"/> what is wrong with <paramref name="value"/> at <paramref name="location"/>.</summary>
    public void Check(JsonElement value, DiscoverySchema declared, string location, List<DiscoveryViolation> violations)
    {
        var schema = Resolve(declared);
        if (value.ValueKind == JsonValueKind.Null || schema.Type is "any" or "")
        {
            return;
        }
        if (schema.Type == "array")
        {
            if (value.ValueKind != JsonValueKind.Array)
            {
                violations.Add(Invalid(location, schema, value));
                return;
            }
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(item, schema.Items ?? new DiscoverySchema("any", null, null, null, null, null, []), $"{location}[{index++}]", violations);
            }
            return;
        }
        if (schema.Type == "object")
        {
            CheckObject(value, schema, location, violations);
            return;
        }
        if (value.ValueKind is JsonValueKind.Array)
        {
            violations.Add(new DiscoveryViolation(location,
                $"Invalid JSON payload received. Unknown name \"{LastName(location)}\" at '{Parent(location)}': Proto field is not repeating, cannot start list."));
            return;
        }
        if (!ScalarAccepted(value, schema))
        {
            violations.Add(Invalid(location, schema, value));
        }
    }

    /// <summary>Whether a query parameter's value (always text in a URL) is one of its schema's values.</summary>
    public static bool ParameterAccepted(string value, DiscoverySchema schema) =>
        !schema.Enum.IsDefaultOrEmpty ? schema.Enum.Contains(value) : schema.Type switch
        {
            "boolean" => value is "true" or "false",
            "integer" => IntegerInRange(value, schema.Format),
            "number" => IsNumber(value),
            "string" when schema.Format is "int64" or "uint64" => IntegerInRange(value, schema.Format),
            _ => true,
        };

    /// <summary>A JSON name as the proto field Google's messages name (<c>useLegacySql</c> is <c>use_legacy_sql</c>).</summary>
    public static string ProtoName(string jsonName)
    {
        var name = new StringBuilder(jsonName.Length + 4);
        foreach (var c in jsonName)
        {
            if (char.IsAsciiLetterUpper(c))
            {
                name.Append('_').Append(char.ToLowerInvariant(c));
            }
            else
            {
                name.Append(c);
            }
        }
        return name.ToString();
    }

    private void CheckObject(JsonElement value, DiscoverySchema schema, string location, List<DiscoveryViolation> violations)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            violations.Add(Invalid(location, schema, value));
            return;
        }
        foreach (var member in value.EnumerateObject())
        {
            if (schema.Properties is { } properties && Property(properties, member.Name) is { } property)
            {
                if (Judged(member.Value, property.Value))
                {
                    Check(member.Value, property.Value, Join(location, ProtoName(property.Key)), violations);
                }
            }
            else if (schema.AdditionalProperties is { } values)
            {
                if (Judged(member.Value, values))
                {
                    Check(member.Value, values, $"{location}[{member.Name}]", violations);
                }
            }
            else if (schema.Properties is not null)
            {
                var at = location.Length == 0 ? "" : $" at '{location}'";
                violations.Add(new DiscoveryViolation(location, $"Invalid JSON payload received. Unknown name \"{member.Name}\"{at}: Cannot find field."));
            }
        }
    }

    /// <summary>Whether there is anything to judge (not null, not <c>any</c>): a row's many cells are not, and cost no path.</summary>
    private bool Judged(JsonElement value, DiscoverySchema schema) =>
        value.ValueKind != JsonValueKind.Null && Resolve(schema).Type is not ("any" or "");

    /// <summary>A property by its JSON name, or by its proto name (Google's parser accepts both).</summary>
    private static KeyValuePair<string, DiscoverySchema>? Property(FrozenDictionary<string, DiscoverySchema> properties, string name)
    {
        if (properties.TryGetValue(name, out var exact))
        {
            return new(name, exact);
        }
        foreach (var property in properties)
        {
            if (name.Contains('_', StringComparison.Ordinal) && ProtoName(property.Key) == name)
            {
                return property;
            }
        }
        return null;
    }

    private static bool ScalarAccepted(JsonElement value, DiscoverySchema schema)
    {
        if (!schema.Enum.IsDefaultOrEmpty)
        {
            return value.ValueKind == JsonValueKind.String && schema.Enum.Contains(value.GetString()!);
        }
        return (schema.Type, schema.Format) switch
        {
            ("boolean", _) => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            ("string", "int64" or "uint64") or ("integer", _) => value.ValueKind switch
            {
                JsonValueKind.String => IntegerInRange(value.GetString()!, schema.Format),
                JsonValueKind.Number => IntegerInRange(value.GetRawText(), schema.Format),
                _ => false,
            },
            ("number", _) => value.ValueKind == JsonValueKind.Number || (value.ValueKind == JsonValueKind.String && IsNumber(value.GetString()!)),
            ("string", _) => value.ValueKind == JsonValueKind.String,
            _ => false,
        };
    }

    private static bool IntegerInRange(string text, string? format)
    {
        if (!decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture, out var number) || number != decimal.Truncate(number))
        {
            return false;
        }
        return format switch
        {
            "int32" => number is >= int.MinValue and <= int.MaxValue,
            "uint32" => number is >= 0 and <= uint.MaxValue,
            "uint64" => number is >= 0 and <= ulong.MaxValue,
            _ => number is >= long.MinValue and <= long.MaxValue,
        };
    }

    private static bool IsNumber(string text) =>
        text is "NaN" or "Infinity" or "-Infinity"
        || double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static DiscoveryViolation Invalid(string location, DiscoverySchema schema, JsonElement value) =>
        new(location, $"Invalid value at '{location}' ({schema.ProtoType}), {value.GetRawText()}");

    private static string Join(string location, string name) => location.Length == 0 ? name : $"{location}.{name}";

    private static string Parent(string location) => location.LastIndexOf('.') is var dot and > 0 ? location[..dot] : "";

    private static string LastName(string location) => location.LastIndexOf('.') is var dot and > 0 ? location[(dot + 1)..] : location;
}

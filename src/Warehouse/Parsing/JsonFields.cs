using System.Globalization;
using System.Text.Json;

namespace Pipeline.Warehouse.Parsing;

/// <summary>
/// Reads one field of a JSON record by the rules of DESIGN §4. Every error message starts with the field's name.
/// </summary>
public static class JsonFields
{
    /// <summary>An id: an integer ≥ 0 that fits in int64, as a JSON number or a numeric string, read exactly.</summary>
    public static bool TryReadId(JsonElement record, string name, out long value, out string error, string? alias = null)
    {
        value = 0;
        if (!TryGet(record, name, alias, out var field, out error))
        {
            return false;
        }
        var text = field.ValueKind switch
        {
            JsonValueKind.Number => field.GetRawText(),
            JsonValueKind.String => field.GetString()!.Trim(),
            _ => null,
        };
        return FieldRules.TryParseId(name, text, field.GetRawText(), out value, out error);
    }

    /// <summary>A read percentage: a finite number in [0, 100], as a JSON number or a numeric string.</summary>
    public static bool TryReadPercent(JsonElement record, string name, out double value, out string error)
    {
        value = 0;
        if (!TryGet(record, name, null, out var field, out error))
        {
            return false;
        }
        var text = field.ValueKind switch
        {
            JsonValueKind.Number => field.GetRawText(),
            JsonValueKind.String => field.GetString()!.Trim(),
            _ => null,
        };
        return FieldRules.TryParsePercent(name, text, field.GetRawText(), out value, out error);
    }

    /// <summary>A timestamp string in one of the accepted formats, normalised to UTC.</summary>
    public static bool TryReadTimestamp(JsonElement record, string name, bool optional, out DateTime? value, out string error)
    {
        value = null;
        error = "";
        if (!record.TryGetProperty(name, out var field) || field.ValueKind == JsonValueKind.Null)
        {
            if (optional)
            {
                return true;
            }
            error = $"{name}: missing";
            return false;
        }
        if (field.ValueKind != JsonValueKind.String)
        {
            error = $"{name}: must be a date or timestamp string, got {field.GetRawText()}";
            return false;
        }
        if (!Timestamps.TryParseUtc(field.GetString()!, out var utc))
        {
            error = $"{name}: '{field.GetString()}' is not a valid date or timestamp ({Timestamps.AcceptedFormats})";
            return false;
        }
        value = utc;
        return true;
    }

    /// <summary>A non-empty string of at most <paramref name="maxLength"/> characters.</summary>
    public static bool TryReadName(JsonElement record, string name, int maxLength, out string value, out string error)
    {
        value = "";
        if (!TryGet(record, name, null, out var field, out error))
        {
            return false;
        }
        if (field.ValueKind != JsonValueKind.String)
        {
            error = $"{name}: must be a string, got {field.GetRawText()}";
            return false;
        }
        return FieldRules.TryCheckName(name, field.GetString()!, maxLength, out value, out error);
    }

    private static bool TryGet(JsonElement record, string name, string? alias, out JsonElement field, out string error)
    {
        error = "";
        if ((record.TryGetProperty(name, out field) || (alias is not null && record.TryGetProperty(alias, out field)))
            && field.ValueKind != JsonValueKind.Null)
        {
            return true;
        }
        error = alias is null ? $"{name}: missing" : $"{name}: missing (also looked for {alias})";
        return false;
    }
}

using System.Text.Json;

namespace Pipeline.Warehouse.Parsing;

/// <summary>
/// Reads one field of a JSON record by the <see cref="FieldRules"/>. Numbers may also come as numeric strings.
/// Errors show the value as it was written in the JSON.
/// </summary>
public static class JsonFields
{
    /// <summary>
    /// Reads a required id (<see cref="FieldRules.ParseId"/>), under <paramref name="name"/> or, when that is absent,
    /// under <paramref name="alias"/> (e.g. <c>pratilipi_id</c> for <c>content_id</c>).
    /// </summary>
    /// <returns>False, with <paramref name="error"/> naming the field, when it is missing or not a valid id.</returns>
    public static bool TryReadId(JsonElement record, string name, out long value, out string error, string? alias = null)
    {
        value = 0;
        return TryGet(record, name, alias, out var field, out error)
            && Check(name, field, field.ValueKind is JsonValueKind.Number or JsonValueKind.String
                ? FieldRules.ParseId(Text(field), out value) : FieldProblem.NotAnInteger, out error);
    }

    /// <summary>Reads a required read percentage (<see cref="FieldRules.ParsePercent"/>).</summary>
    /// <returns>False, with <paramref name="error"/> naming the field, when it is missing or not in [0, 100].</returns>
    public static bool TryReadPercent(JsonElement record, string name, out double value, out string error)
    {
        value = 0;
        return TryGet(record, name, null, out var field, out error)
            && Check(name, field, field.ValueKind is JsonValueKind.Number or JsonValueKind.String
                ? FieldRules.ParsePercent(Text(field), out value) : FieldProblem.NotANumber, out error);
    }

    /// <summary>
    /// Reads a timestamp string (<see cref="FieldRules.ParseTimestamp"/>). When <paramref name="optional"/>, an absent
    /// or null field is fine and reads as null.
    /// </summary>
    /// <returns>False, with <paramref name="error"/> naming the field, when it is required and missing, not a string, or not a timestamp.</returns>
    public static bool TryReadTimestamp(JsonElement record, string name, bool optional, out DateTime? value, out string error)
    {
        value = null;
        error = "";
        if (!record.TryGetProperty(name, out var field) || field.ValueKind == JsonValueKind.Null)
        {
            error = optional ? "" : FieldRules.Describe(name, FieldProblem.Missing, "");
            return optional;
        }
        if (field.ValueKind != JsonValueKind.String)
        {
            error = $"{name}: must be a date or timestamp string, got {field.GetRawText()}";
            return false;
        }
        var problem = FieldRules.ParseTimestamp(field.GetString(), out var utc);
        value = utc;
        return Check(name, field, problem, out error);
    }

    /// <summary>Reads a required name string (<see cref="FieldRules.CheckName"/>), as written (not trimmed).</summary>
    /// <returns>False, with <paramref name="error"/> naming the field, when it is missing, not a string, blank or too long.</returns>
    public static bool TryReadName(JsonElement record, string name, out string value, out string error)
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
        value = field.GetString()!;
        return Check(name, field, FieldRules.CheckName(value), out error);
    }

    private static string Text(JsonElement field) =>
        field.ValueKind == JsonValueKind.String ? field.GetString()!.Trim() : field.GetRawText();

    private static bool Check(string name, JsonElement field, FieldProblem problem, out string error)
    {
        error = problem == FieldProblem.None ? "" : FieldRules.Describe(name, problem, field.GetRawText());
        return problem == FieldProblem.None;
    }

    private static bool TryGet(JsonElement record, string name, string? alias, out JsonElement field, out string error)
    {
        error = "";
        if ((record.TryGetProperty(name, out field) || (alias is not null && record.TryGetProperty(alias, out field)))
            && field.ValueKind != JsonValueKind.Null)
        {
            return true;
        }
        error = alias is null ? FieldRules.Describe(name, FieldProblem.Missing, "") : $"{name}: missing (also looked for {alias})";
        return false;
    }
}

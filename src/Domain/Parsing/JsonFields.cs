using System.Text.Json;

namespace Pipeline.Domain.Parsing;

/// <summary>
/// Reads a JSON record by its <see cref="RecordShape{TRow}"/>, each field by the <see cref="FieldRules"/>. Ids and
/// percentages may also come as numeric strings; names and timestamps must be strings. Errors show the value as it
/// was written in the JSON; the first invalid field is the record's error.
/// </summary>
public static class JsonFields
{
    /// <summary>The record as a row with <paramref name="eventId"/>; false, with the first field's error, when it is invalid.</summary>
    public static bool TryRead<TRow>(RecordShape<TRow> shape, JsonElement record, string eventId, out TRow? row, out string error)
    {
        row = default;
        var values = new FieldValues();
        for (var i = 0; i < shape.Fields.Count; i++)
        {
            if (!TryRead(record, shape.Fields[i], i, ref values, out error))
            {
                return false;
            }
        }
        error = "";
        row = shape.Create(eventId, in values);
        return true;
    }

    private static bool TryRead(JsonElement record, RecordField spec, int index, ref FieldValues values, out string error)
    {
        var name = spec.Name;
        error = "";
        if (!TryGet(record, spec, out var field))
        {
            error = spec.Optional ? ""
                : spec.Alias is null ? FieldRules.Describe(name, FieldProblem.Missing, "")
                : $"{name}: missing (also looked for {spec.Alias})";
            return spec.Optional;
        }
        var numeric = field.ValueKind is JsonValueKind.Number or JsonValueKind.String;
        FieldProblem problem;
        switch (spec.Kind)
        {
            case FieldKind.Id:
                long id = 0;
                problem = numeric ? FieldRules.ParseId(Text(field), out id) : FieldProblem.NotAnInteger;
                values.SetId(index, id);
                break;
            case FieldKind.Percent:
                double percent = 0;
                problem = numeric ? FieldRules.ParsePercent(Text(field), out percent) : FieldProblem.NotANumber;
                values.SetPercent(index, percent);
                break;
            case FieldKind.Name when field.ValueKind != JsonValueKind.String:
                error = $"{name}: must be a string, got {field.GetRawText()}";
                return false;
            case FieldKind.Name:
                var text = field.GetString()!;
                problem = FieldRules.CheckName(text);
                values.SetName(index, text);
                break;
            case FieldKind.Timestamp when field.ValueKind != JsonValueKind.String:
                error = $"{name}: must be a date or timestamp string, got {field.GetRawText()}";
                return false;
            default:
                problem = FieldRules.ParseTimestamp(field.GetString(), out var utc);
                values.SetTimestamp(index, utc);
                break;
        }
        error = problem == FieldProblem.None ? "" : FieldRules.Describe(name, problem, field.GetRawText());
        return problem == FieldProblem.None;
    }

    private static string Text(JsonElement field) =>
        field.ValueKind == JsonValueKind.String ? field.GetString()!.Trim() : field.GetRawText();

    /// <summary>The field under its name or, when that is absent, its alias; false when neither holds a non-null value.</summary>
    private static bool TryGet(JsonElement record, RecordField spec, out JsonElement field) =>
        (record.TryGetProperty(spec.Name, out field) || (spec.Alias is not null && record.TryGetProperty(spec.Alias, out field)))
        && field.ValueKind != JsonValueKind.Null;
}

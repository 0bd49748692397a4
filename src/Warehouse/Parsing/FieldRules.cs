using System.Globalization;

namespace Pipeline.Warehouse.Parsing;

/// <summary>The value rules shared by every input format, applied to a field's text.</summary>
public static class FieldRules
{
    public const int MaxCategoryNameLength = 256;

    public static bool TryParseId(string name, string? text, string shown, out long value, out string error)
    {
        value = 0;
        error = "";
        if (text is not null && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            if (value >= 0)
            {
                return true;
            }
            error = $"{name}: must be ≥ 0, got {shown}";
            return false;
        }
        error = text is not null && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number > long.MaxValue
            ? $"{name}: {shown} does not fit in a 64-bit integer"
            : $"{name}: must be an integer ≥ 0, got {shown}";
        return false;
    }

    public static bool TryParsePercent(string name, string? text, string shown, out double value, out string error)
    {
        value = 0;
        error = "";
        if (text is null || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || !double.IsFinite(value))
        {
            error = $"{name}: must be a number, got {shown}";
            return false;
        }
        if (value is < 0 or > 100)
        {
            error = $"{name}: must be between 0 and 100, got {shown}";
            return false;
        }
        return true;
    }

    public static bool TryCheckName(string name, string text, int maxLength, out string value, out string error)
    {
        value = text;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"{name}: must not be empty";
            return false;
        }
        if (text.Length > maxLength)
        {
            error = $"{name}: longer than {maxLength} characters ({text.Length})";
            return false;
        }
        return true;
    }
}

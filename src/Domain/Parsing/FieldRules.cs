using System.Globalization;

namespace Pipeline.Domain.Parsing;

/// <summary>What is wrong with a field's value, if anything.</summary>
public enum FieldProblem
{
    /// <summary>The value is valid.</summary>
    None,

    /// <summary>The field is absent, null or blank.</summary>
    Missing,

    /// <summary>An id that is not an integer.</summary>
    NotAnInteger,

    /// <summary>An id below 0.</summary>
    Negative,

    /// <summary>An id that does not fit in int64.</summary>
    TooLarge,

    /// <summary>A percentage that is not a finite number.</summary>
    NotANumber,

    /// <summary>A percentage outside [0, 100].</summary>
    OutOfRange,

    /// <summary>A name that is empty or only white space.</summary>
    Empty,

    /// <summary>A name longer than <see cref="FieldRules.MaxCategoryNameLength"/> characters.</summary>
    TooLong,

    /// <summary>A date or timestamp in none of the <see cref="Timestamps.AcceptedFormats"/>.</summary>
    NotATimestamp,
}

/// <summary>
/// The value rules shared by every input format (JSON messages, CSV files, query strings), applied to a field's
/// text. Checks allocate nothing; <see cref="Describe"/> builds the message, which always starts with the field name.
/// </summary>
public static class FieldRules
{
    /// <summary>The longest category name accepted, in characters; longer ones are dead-lettered, not cut.</summary>
    public const int MaxCategoryNameLength = 256;

    /// <summary>An id: an integer ≥ 0 that fits in int64 (a leading '+' is allowed).</summary>
    public static FieldProblem ParseId(ReadOnlySpan<char> text, out long value)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            return value >= 0 ? FieldProblem.None : FieldProblem.Negative;
        }
        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number > long.MaxValue
            ? FieldProblem.TooLarge
            : FieldProblem.NotAnInteger;
    }

    /// <summary>A read percentage: a finite number in [0, 100].</summary>
    public static FieldProblem ParsePercent(ReadOnlySpan<char> text, out double value)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || !double.IsFinite(value))
        {
            return FieldProblem.NotANumber;
        }
        return value is < 0 or > 100 ? FieldProblem.OutOfRange : FieldProblem.None;
    }

    /// <summary>A name: not blank, at most <see cref="MaxCategoryNameLength"/> characters.</summary>
    public static FieldProblem CheckName(ReadOnlySpan<char> text) =>
        text.IsWhiteSpace() ? FieldProblem.Empty
        : text.Length > MaxCategoryNameLength ? FieldProblem.TooLong
        : FieldProblem.None;

    /// <summary>A timestamp in one of the <see cref="Timestamps"/> forms.</summary>
    public static FieldProblem ParseTimestamp(ReadOnlySpan<char> text, out DateTime utc) =>
        Timestamps.TryParseUtc(text, out utc) ? FieldProblem.None : FieldProblem.NotATimestamp;

    /// <summary>The message for a problem, naming the field and showing the value as given.</summary>
    public static string Describe(string name, FieldProblem problem, string shown) => problem switch
    {
        FieldProblem.Missing => $"{name}: missing",
        FieldProblem.NotAnInteger => $"{name}: must be an integer ≥ 0, got {shown}",
        FieldProblem.Negative => $"{name}: must be ≥ 0, got {shown}",
        FieldProblem.TooLarge => $"{name}: {shown} does not fit in a 64-bit integer",
        FieldProblem.NotANumber => $"{name}: must be a number, got {shown}",
        FieldProblem.OutOfRange => $"{name}: must be between 0 and 100, got {shown}",
        FieldProblem.Empty => $"{name}: must not be empty",
        FieldProblem.TooLong => $"{name}: longer than {MaxCategoryNameLength} characters",
        FieldProblem.NotATimestamp => $"{name}: {shown} is not a valid date or timestamp ({Timestamps.AcceptedFormats})",
        _ => throw new ArgumentOutOfRangeException(nameof(problem), problem, null),
    };
}

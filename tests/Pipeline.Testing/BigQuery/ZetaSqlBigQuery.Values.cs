using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pipeline.Tests.GoogleSql;

namespace Pipeline.Tests.Fixtures;

/// <summary>
/// BigQuery's wire forms of the values the ZetaSQL-backed fake holds (C# long, double, string, bool, DateTime UTC,
/// DateOnly, null — as <see cref="SqlType"/> maps them): type names of schemas and parameters, row values of
/// insertAll and of load data (JSON), parameter values (text), and result cells (strings).
/// </summary>
internal static partial class BigQueryValues
{
    /// <summary>The GoogleSQL type of a schema field or parameter type name (both spellings: INT64/INTEGER, …).</summary>
    public static SqlType TypeOf(string name) => name.ToUpperInvariant() switch
    {
        "INT64" or "INTEGER" => SqlType.Int64,
        "FLOAT64" or "FLOAT" => SqlType.Float64,
        "STRING" => SqlType.String,
        "BOOL" or "BOOLEAN" => SqlType.Bool,
        "TIMESTAMP" => SqlType.Timestamp,
        "DATE" => SqlType.Date,
        _ => throw new NotSupportedException(
            $"FakeBigQuery (ZetaSQL mode) holds INT64, FLOAT64, STRING, BOOL, TIMESTAMP and DATE values only, not {name}."),
    };

    public static bool IsSupported(SqlType type) =>
        type.Kind is "TYPE_INT64" or "TYPE_DOUBLE" or "TYPE_STRING" or "TYPE_BOOL" or "TYPE_TIMESTAMP" or "TYPE_DATE";

    /// <summary>The name BigQuery gives a type in schemas it answers (the legacy spellings).</summary>
    public static string LegacyName(SqlType type) => type.Kind switch
    {
        "TYPE_INT64" => "INTEGER",
        "TYPE_DOUBLE" => "FLOAT",
        "TYPE_STRING" => "STRING",
        "TYPE_BOOL" => "BOOLEAN",
        "TYPE_TIMESTAMP" => "TIMESTAMP",
        "TYPE_DATE" => "DATE",
        _ => throw new NotSupportedException($"FakeBigQuery (ZetaSQL mode) cannot answer values of type {type.Kind}."),
    };

    /// <summary>A row value of insertAll or load data; a <see cref="FormatException"/> carries BigQuery's kind of message.</summary>
    public static object? FromJson(JsonNode? node, SqlType type)
    {
        if (node is null)
        {
            return null;
        }
        var kind = node.GetValueKind();
        if (kind is JsonValueKind.Null)
        {
            return null;
        }
        if (kind is JsonValueKind.Object or JsonValueKind.Array)
        {
            throw new FormatException($"This field is not a record and not repeated: {Truncate(node.ToJsonString())}");
        }
        var raw = kind == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
        switch (type.Kind)
        {
            case "TYPE_STRING":
                return raw;
            case "TYPE_INT64" when kind is JsonValueKind.String or JsonValueKind.Number:
                if (long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
                {
                    return integer;
                }
                if (decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number == decimal.Truncate(number)
                    && number is >= long.MinValue and <= long.MaxValue)
                {
                    return (long)number;
                }
                break;
            case "TYPE_DOUBLE" when kind is JsonValueKind.Number:
                return double.Parse(raw, CultureInfo.InvariantCulture);
            case "TYPE_DOUBLE" when kind is JsonValueKind.String && Float(raw) is { } parsed:
                return parsed;
            case "TYPE_BOOL" when kind is JsonValueKind.True or JsonValueKind.False:
                return kind == JsonValueKind.True;
            case "TYPE_BOOL" when kind is JsonValueKind.String && bool.TryParse(raw, out var flag):
                return flag;
            case "TYPE_TIMESTAMP" when kind is JsonValueKind.String && Timestamp(raw) is { } timestamp:
                return timestamp;
            case "TYPE_TIMESTAMP" when kind is JsonValueKind.Number:
                // Seconds since the epoch, as the service also accepts.
                var micros = decimal.Round(decimal.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture) * 1_000_000m);
                return DateTime.UnixEpoch.AddTicks((long)micros * 10);
            case "TYPE_DATE" when kind is JsonValueKind.String && Date(raw) is { } date:
                return date;
        }
        throw new FormatException($"Cannot convert value to {Described(type)} (bad value): {Truncate(raw)}");
    }

    /// <summary>A query parameter's value (<c>parameterValue.value</c>; null is NULL).</summary>
    public static object? FromText(SqlType type, string? text)
    {
        if (text is null)
        {
            return null;
        }
        object? value = type.Kind switch
        {
            "TYPE_STRING" => text,
            "TYPE_INT64" => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) ? integer : null,
            "TYPE_DOUBLE" => Float(text),
            "TYPE_BOOL" => bool.TryParse(text, out var flag) ? flag : null,
            "TYPE_TIMESTAMP" => Timestamp(text),
            "TYPE_DATE" => Date(text),
            _ => null,
        };
        return value ?? throw new FormatException($"Cannot convert '{Truncate(text)}' to {Described(type)}");
    }

    /// <summary>A result cell: every value a string, TIMESTAMP as µs since the epoch when asked (else seconds), NULL null.</summary>
    public static string? ToCell(object? value, bool int64Timestamp) => value switch
    {
        null => null,
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        string s => s,
        bool b => b ? "true" : "false",
        DateTime t when int64Timestamp => Micros(t).ToString(CultureInfo.InvariantCulture),
        DateTime t => (Micros(t) / 1_000_000m).ToString("0.000000", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => throw new NotSupportedException($"FakeBigQuery (ZetaSQL mode) cannot answer a {value.GetType().Name} value."),
    };

    /// <summary>A value that tests hand to the fake must be of its column's C# type.</summary>
    public static object? Checked(object? value, SqlType type, string column) => (type.Kind, value) switch
    {
        (_, null) => null,
        ("TYPE_INT64", long or int) => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        ("TYPE_DOUBLE", double or float or long or int) => Convert.ToDouble(value, CultureInfo.InvariantCulture),
        ("TYPE_STRING", string) => value,
        ("TYPE_BOOL", bool) => value,
        ("TYPE_TIMESTAMP", DateTime { Kind: DateTimeKind.Utc } t) => t,
        ("TYPE_TIMESTAMP", DateTimeOffset t) => t.UtcDateTime,
        ("TYPE_DATE", DateOnly) => value,
        _ => throw new ArgumentException($"Column {column} is {type.Kind}; a {value.GetType().Name} value ({value}) does not fit (TIMESTAMP needs a UTC DateTime)."),
    };

    /// <summary>
    /// RFC 3339 (<c>2022-03-26T20:00:00.000000Z</c>) or GoogleSQL's literal form (<c>2022-03-13 00:00:00.000000+00:00</c>,
    /// <c>… UTC</c>, <c>…+00</c>), up to microseconds; a date alone is its midnight UTC. Null when it is neither.
    /// </summary>
    public static DateTime? Timestamp(string text)
    {
        var match = TimestampText().Match(text.Trim());
        if (!match.Success)
        {
            return null;
        }
        int Part(int group) => match.Groups[group].Success ? int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
        try
        {
            var fraction = match.Groups[7].Success ? match.Groups[7].Value.PadRight(6, '0') : "0";
            var time = new DateTime(Part(1), Part(2), Part(3), Part(4), Part(5), Part(6), DateTimeKind.Utc)
                .AddTicks(long.Parse(fraction, CultureInfo.InvariantCulture) * 10);
            var zone = match.Groups[8].Value;
            if (zone.Length > 0 && zone[0] is '+' or '-')
            {
                var digits = zone[1..].Replace(":", "", StringComparison.Ordinal);
                var offset = new TimeSpan(int.Parse(digits[..2], CultureInfo.InvariantCulture), digits.Length > 2 ? int.Parse(digits[2..], CultureInfo.InvariantCulture) : 0, 0);
                time = zone[0] == '+' ? time - offset : time + offset;
            }
            return time;
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static DateOnly? Date(string text) =>
        DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    private static double? Float(string text) => text.Trim().ToUpperInvariant() switch
    {
        "NAN" => double.NaN,
        "INF" or "+INF" or "INFINITY" or "+INFINITY" => double.PositiveInfinity,
        "-INF" or "-INFINITY" => double.NegativeInfinity,
        var t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null,
    };

    private static long Micros(DateTime t) => (t.ToUniversalTime() - DateTime.UnixEpoch).Ticks / 10;

    private static string Described(SqlType type) => type.Kind switch
    {
        "TYPE_INT64" => "integer",
        "TYPE_DOUBLE" => "floating point",
        "TYPE_BOOL" => "boolean",
        "TYPE_TIMESTAMP" => "timestamp",
        "TYPE_DATE" => "date",
        _ => type.Kind,
    };

    private static string Truncate(string text) => text.Length <= 100 ? text : text[..100] + "…";

    [GeneratedRegex(@"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$")]
    private static partial Regex TimestampText();
}

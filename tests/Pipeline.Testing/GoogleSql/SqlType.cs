using System.Globalization;
using System.Text.Json.Nodes;

namespace Pipeline.Tests.GoogleSql;

/// <summary>
/// A GoogleSQL type as ZetaSQL's <c>TypeProto</c>, and the mapping of C# values to its <c>ValueProto</c> and back:
/// INT64 ↔ long, FLOAT64 ↔ double, STRING ↔ string, BOOL ↔ bool, TIMESTAMP ↔ DateTime (UTC, microseconds),
/// DATE ↔ DateOnly, NULL ↔ null. Other types (arrays, structs, …) can stand in a catalog but carry no values here.
/// </summary>
public sealed record SqlType
{
    private static readonly DateTime s_epoch = DateTime.UnixEpoch;
    private static readonly int s_epochDay = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    public static readonly SqlType Int64 = new("TYPE_INT64");
    public static readonly SqlType Float64 = new("TYPE_DOUBLE"); // FLOAT64 is ZetaSQL's DOUBLE
    public static readonly SqlType String = new("TYPE_STRING");
    public static readonly SqlType Bool = new("TYPE_BOOL");
    public static readonly SqlType Timestamp = new("TYPE_TIMESTAMP");
    public static readonly SqlType Date = new("TYPE_DATE");

    private readonly string _proto;

    private SqlType(string kind) : this(kind, new JsonObject { ["type_kind"] = kind }.ToJsonString())
    {
    }

    private SqlType(string kind, string proto)
    {
        Kind = kind;
        _proto = proto;
    }

    /// <summary>The <c>TypeKind</c> name, e.g. <c>TYPE_INT64</c>.</summary>
    public string Kind { get; }

    public static SqlType FromProto(JsonNode proto) =>
        new(proto["type_kind"]?.GetValue<string>() ?? throw new ArgumentException($"Not a TypeProto: {proto.ToJsonString()}"), proto.ToJsonString());

    /// <summary>The type of a parameter value, from its C# type.</summary>
    public static SqlType Of(object value) => value switch
    {
        long or int => Int64,
        double or float => Float64,
        string => String,
        bool => Bool,
        DateTime or DateTimeOffset => Timestamp,
        DateOnly => Date,
        _ => throw new NotSupportedException($"No GoogleSQL type for a {value.GetType().Name} value."),
    };

    public JsonObject ToProto() => JsonNode.Parse(_proto)!.AsObject();

    /// <summary>The <c>ValueProto</c> of a C# value of this type; null is <c>{}</c>.</summary>
    public JsonObject ToValue(object? value) => (Kind, value) switch
    {
        (_, null) => new JsonObject(),
        ("TYPE_INT64", long or int) => new() { ["int64_value"] = Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture) },
        ("TYPE_DOUBLE", double or float or long or int) => new() { ["double_value"] = Double(Convert.ToDouble(value, CultureInfo.InvariantCulture)) },
        ("TYPE_STRING", string s) => new() { ["string_value"] = s },
        ("TYPE_BOOL", bool b) => new() { ["bool_value"] = b },
        ("TYPE_TIMESTAMP", DateTime t) => TimestampValue(t),
        ("TYPE_TIMESTAMP", DateTimeOffset t) => TimestampValue(t.UtcDateTime),
        ("TYPE_DATE", DateOnly d) => new() { ["date_value"] = d.DayNumber - s_epochDay },
        _ => throw new NotSupportedException($"Cannot write a {value.GetType().Name} value as {Kind}."),
    };

    /// <summary>The C# value of a <c>ValueProto</c> (its oneof member names the type).</summary>
    public static object? FromValue(JsonObject value)
    {
        var member = value["value"]?.GetValue<string>();
        return member switch
        {
            null => null,
            "int64_value" => long.Parse(value[member]!.GetValue<string>(), CultureInfo.InvariantCulture),
            "double_value" => value[member]!.GetValueKind() == System.Text.Json.JsonValueKind.String
                ? double.Parse(value[member]!.GetValue<string>(), CultureInfo.InvariantCulture) // NaN, Infinity, -Infinity
                : value[member]!.GetValue<double>(),
            "string_value" => value[member]!.GetValue<string>(),
            "bool_value" => value[member]!.GetValue<bool>(),
            "timestamp_value" => s_epoch
                .AddTicks(long.Parse(value[member]!["seconds"]?.GetValue<string>() ?? "0", CultureInfo.InvariantCulture) * TimeSpan.TicksPerSecond)
                .AddTicks((value[member]!["nanos"]?.GetValue<int>() ?? 0) / 100),
            "date_value" => DateOnly.FromDayNumber(s_epochDay + value[member]!.GetValue<int>()),
            _ => throw new NotSupportedException($"No C# value for a ZetaSQL {member}: {value.ToJsonString()}"),
        };
    }

    public override string ToString() => Kind;

    private static JsonNode Double(double d) =>
        double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(d.ToString(CultureInfo.InvariantCulture));

    private static JsonObject TimestampValue(DateTime t)
    {
        if (t.Kind == DateTimeKind.Local)
        {
            throw new ArgumentException($"A TIMESTAMP needs a UTC DateTime, not local time {t:O}.");
        }
        var ticks = (t - s_epoch).Ticks;
        if (ticks % 10 != 0)
        {
            throw new ArgumentException($"A TIMESTAMP holds microseconds; {t:O} has a finer part.");
        }
        var seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest);
        if (rest < 0)
        {
            (seconds, rest) = (seconds - 1, rest + TimeSpan.TicksPerSecond);
        }
        return new JsonObject
        {
            ["timestamp_value"] = new JsonObject { ["seconds"] = seconds.ToString(CultureInfo.InvariantCulture), ["nanos"] = (int)(rest * 100) },
        };
    }
}

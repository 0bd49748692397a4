using System.Globalization;
using System.Text.RegularExpressions;
using Pipeline.Warehouse.BigQuery.Rest;

namespace Pipeline.Warehouse.BigQuery;

/// <summary>How values are written for BigQuery: INT64 as decimal strings (exact past 2^53), TIMESTAMP as RFC 3339 UTC µs.</summary>
internal static partial class Values
{
    public static string Int64(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Timestamp(DateTime utc) => Rfc3339.Microseconds(utc);

    public static QueryParameter Parameter(string name, long value) => new(name, new("INT64"), new(Int64(value)));

    public static QueryParameter Parameter(string name, string value) => new(name, new("STRING"), new(value));

    /// <summary>A STRING parameter that may be NULL (a parameter value without <c>value</c>).</summary>
    public static QueryParameter NullableParameter(string name, string? value) => new(name, new("STRING"), new(value));

    /// <summary>A TIMESTAMP cell as answered with <c>useInt64Timestamp</c>: microseconds since the epoch.</summary>
    public static DateTime FromMicroseconds(string micros) =>
        DateTime.UnixEpoch.AddTicks(long.Parse(micros, CultureInfo.InvariantCulture) * 10);

    public static QueryParameter Parameter(string name, double value) =>
        new(name, new("FLOAT64"), new(value.ToString("R", CultureInfo.InvariantCulture)));

    /// <summary>The parameters the SQL text names (BigQuery is not asked to accept parameters a statement never uses).</summary>
    public static List<QueryParameter> UsedBy(string sql, IEnumerable<QueryParameter> parameters)
    {
        var names = ParameterName().Matches(sql).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        return parameters.Where(p => names.Contains(p.Name)).ToList();
    }

    [GeneratedRegex(@"@([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex ParameterName();

    /// <summary>TIMESTAMP parameters in the SQL literal form the official clients send.</summary>
    public static QueryParameter Parameter(string name, DateTime utc) =>
        new(name, new("TIMESTAMP"), new(utc.ToString("yyyy-MM-dd HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture)));
}

using System.Globalization;

namespace Pipeline.Warehouse.Parsing;

/// <summary>
/// The accepted <c>updated_at</c> forms: <c>YYYY-MM-DD</c> (midnight UTC), <c>YYYY-MM-DD HH:MM:SS[.f]</c> (UTC),
/// and ISO-8601 with <c>T</c> and <c>Z</c> or an offset. Results are UTC, truncated to microseconds (the warehouses' precision).
/// </summary>
public static class Timestamps
{
    public const string AcceptedFormats = "expected YYYY-MM-DD, YYYY-MM-DD HH:MM:SS[.f] or ISO-8601 with Z or an offset";

    private static readonly string[] s_formats =
    [
        "yyyy-MM-dd",
        "yyyy-MM-dd HH:mm:ss",
        "yyyy-MM-dd HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd HH:mm:ssK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mm:ss",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mmK",
    ];

    public static bool TryParseUtc(string text, out DateTime utc)
    {
        if (DateTimeOffset.TryParseExact(text.Trim(), s_formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            var ticks = parsed.UtcTicks;
            utc = new DateTime(ticks - ticks % 10, DateTimeKind.Utc);
            return true;
        }
        utc = default;
        return false;
    }
}

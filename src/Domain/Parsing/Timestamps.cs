using System.Globalization;

namespace Pipeline.Domain.Parsing;

/// <summary>
/// The accepted <c>updated_at</c> forms: <c>YYYY-MM-DD</c> (midnight UTC), <c>YYYY-MM-DD HH:MM:SS[.f]</c> (UTC),
/// and ISO-8601 with <c>T</c> and <c>Z</c> or an offset. Results are UTC, truncated to microseconds (the warehouses' precision).
/// </summary>
public static class Timestamps
{
    /// <summary>The accepted forms in words, for the error a refused value gets.</summary>
    public const string AcceptedFormats = "expected YYYY-MM-DD, YYYY-MM-DD HH:MM:SS[.f] or ISO-8601 with Z or an offset";

    /// <summary>The general forms (a fresh array each time: the parser wants an array, and shared state stays immutable).</summary>
    private static string[] Formats =>
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

    /// <summary>
    /// Parses <paramref name="text"/> (surrounding white space ignored) in one of the accepted forms into a UTC
    /// <see cref="DateTime"/> truncated to microseconds; false when it is in none of them.
    /// </summary>
    public static bool TryParseUtc(ReadOnlySpan<char> text, out DateTime utc)
    {
        text = text.Trim();
        if (TryParseCommon(text, out utc))
        {
            return true;
        }
        if (DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            var ticks = parsed.UtcTicks;
            utc = new DateTime(ticks - ticks % 10, DateTimeKind.Utc);
            return true;
        }
        utc = default;
        return false;
    }

    /// <summary>The two forms dumps are made of, <c>YYYY-MM-DD</c> and <c>YYYY-MM-DD HH:MM:SS</c>, without the general parser.</summary>
    private static bool TryParseCommon(ReadOnlySpan<char> text, out DateTime utc)
    {
        utc = default;
        if ((text.Length != 10 && (text.Length != 19 || text[10] is not (' ' or 'T') || text[13] != ':' || text[16] != ':'))
            || text[4] != '-' || text[7] != '-'
            || !TryDigits(text[..4], out var year) || !TryDigits(text.Slice(5, 2), out var month) || !TryDigits(text.Slice(8, 2), out var day)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }
        var hour = 0;
        var minute = 0;
        var second = 0;
        if (text.Length == 19
            && (!TryDigits(text.Slice(11, 2), out hour) || !TryDigits(text.Slice(14, 2), out minute) || !TryDigits(text.Slice(17, 2), out second)
                || hour > 23 || minute > 59 || second > 59))
        {
            return false;
        }
        utc = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> digits, out int value)
    {
        value = 0;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
            value = value * 10 + (c - '0');
        }
        return true;
    }
}

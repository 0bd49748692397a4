using System.Globalization;

namespace Pipeline.Domain;

/// <summary>
/// Times as Google's APIs write them: RFC 3339 in UTC with microseconds (<c>2022-03-27T10:00:00.000000Z</c>), for
/// BigQuery's TIMESTAMP values, Cloud Storage's object times and Eventarc's <c>ce-time</c> and publish times.
/// </summary>
public static class Rfc3339
{
    /// <summary>The format string: microseconds, a literal <c>Z</c>.</summary>
    public const string MicrosecondsUtcFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary><paramref name="utc"/> (a UTC time) in <see cref="MicrosecondsUtcFormat"/>; a finer fraction is truncated.</summary>
    public static string Microseconds(DateTime utc) => utc.ToString(MicrosecondsUtcFormat, CultureInfo.InvariantCulture);

    /// <summary><paramref name="at"/> converted to UTC, in <see cref="MicrosecondsUtcFormat"/>.</summary>
    public static string Microseconds(DateTimeOffset at) => Microseconds(at.UtcDateTime);
}

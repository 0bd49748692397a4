using System.Text.RegularExpressions;
using Pipeline.Domain.Rows;

namespace Pipeline.Domain.Backfill;

/// <summary>
/// One backfill attempt: a CSV object (one generation of it) to load into one table.
/// Loads are idempotent per (<see cref="ObjectUri"/>, <see cref="Generation"/>).
/// </summary>
/// <param name="ObjectUri"><c>gs://bucket/object</c> (or <c>file:///path</c> for a direct local load).</param>
/// <param name="Generation">The object generation (Cloud Storage's, or a local file's modification time in µs); newer loads replace older.</param>
/// <param name="Target">The table the file's rows go to, which also fixes the columns its header must name.</param>
/// <param name="MaxBadRows">More bad rows than this and the file fails whole, loading nothing.</param>
public sealed partial record CsvLoad(string ObjectUri, long Generation, RecordKind Target, int MaxBadRows = CsvLoad.DefaultMaxBadRows)
{
    /// <summary>The bad-row allowance of a load that does not set one.</summary>
    public const int DefaultMaxBadRows = 1000;

    /// <summary>The load of one generation of a Cloud Storage object, <c>gs://bucket/objectName</c>.</summary>
    public static CsvLoad ForObject(string bucket, string objectName, long generation, RecordKind target, int maxBadRows = DefaultMaxBadRows) =>
        new($"gs://{bucket}/{objectName}", generation, target, maxBadRows);

    /// <summary>Rows of this object, any generation, have event ids starting with this.</summary>
    public string ObjectEventIdPrefix => ObjectUri + "#";

    /// <summary>
    /// What follows <see cref="ObjectEventIdPrefix"/> in the event id of a row this object's backfill wrote:
    /// <c>generation:line</c>. A row of an object whose name merely extends this one's after '#' (<c>a.csv#5:x.csv</c>)
    /// does not match. Both engines' replacing DELETE use it (a regular expression both dialects read alike).
    /// </summary>
    public const string OwnRowSuffixPattern = "^[0-9]+:[0-9]+$";

    /// <summary>
    /// The event id of any backfilled row: <c>&lt;object&gt;#&lt;generation&gt;:&lt;line&gt;</c>, the object in group 1.
    /// It matches exactly the ids a replacement of that object deletes (<see cref="ObjectEventIdPrefix"/> followed by
    /// <see cref="OwnRowSuffixPattern"/>). Written so that DuckDB's RE2 and .NET read it alike: <c>(?s)</c> so that
    /// <c>.</c> takes a newline in an object name, <c>\z</c> because .NET's <c>$</c> also matches before a final newline.
    /// </summary>
    public const string RowEventIdPattern = @"(?s)^(.*)#[0-9]+:[0-9]+\z";

    /// <summary>The object a backfilled row's event id names (<see cref="RowEventIdPattern"/>); null for any other id.</summary>
    /// <param name="eventId">A stored event id.</param>
    public static string? ObjectOfRow(string eventId) =>
        eventId.Contains('#') && RowEventId().Match(eventId) is { Success: true } match ? match.Groups[1].Value : null;

    [GeneratedRegex(RowEventIdPattern, RegexOptions.CultureInvariant)]
    private static partial Regex RowEventId();

    /// <summary>Rows of this generation have event ids <c>gs://bucket/object#generation:line</c>.</summary>
    public string EventIdPrefix => $"{ObjectUri}#{Generation}:";

    /// <summary>The object's size as stored (the finalized event's <c>size</c>), when known.</summary>
    public long? ObjectBytes { get; init; }

    /// <summary>The largest object one delivery loads (<see cref="ObjectBytes"/>, a gzip object's times <see cref="GzipExpansion"/>); null: no bound.</summary>
    public long? MaxObjectBytes { get; init; }

    /// <summary>How many times its stored size a gzip dump is taken to hold, for <see cref="MaxObjectBytes"/>: CSV dumps compress about 4:1.</summary>
    public const int GzipExpansion = 4;

    /// <summary>
    /// Why this object is beyond what one delivery loads, naming the bound and what to do; null when it is within
    /// it (or either size is unknown). Decided from the event alone, so every delivery of the generation decides alike.
    /// </summary>
    public string? TooLarge()
    {
        if (ObjectBytes is not { } size || MaxObjectBytes is not { } max)
        {
            return null;
        }
        var counted = IsGzip ? size * GzipExpansion : size;
        if (counted <= max)
        {
            return null;
        }
        var part = IsGzip ? max / GzipExpansion : max;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"the object is {Gb(size)} GB{(IsGzip ? $" of gzip (counted ×{GzipExpansion})" : "")}, beyond the {Gb(max)} GB one delivery loads within its work deadline (BACKFILL_MAX_OBJECT_BYTES); split it into parts of at most {Gb(part)} GB{(IsGzip ? " compressed" : "")}, each with the header line, and upload them as separate objects");
    }

    private static string Gb(long bytes) => (bytes / 1e9).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The <c>compressed</c> flag by name: <c>*.csv.gz</c> is gzip.</summary>
    public bool IsGzip => ObjectUri.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
}

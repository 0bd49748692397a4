using System.Globalization;
using System.Text.RegularExpressions;

namespace Pipeline.Local.Storage;

/// <summary>
/// The <c>Content-Range</c> of a resumable upload's PUT: <c>bytes first-last/total</c>, where <c>last</c> may be
/// <c>*</c> (the body is the rest of the object) and <c>total</c> may be <c>*</c> (not known yet); or
/// <c>bytes */total</c> (a status query, with no body).
/// </summary>
/// <param name="First">The body's first byte offset; null for a status query.</param>
/// <param name="Last">The body's last byte offset (inclusive); null when the body runs to the end of the object.</param>
/// <param name="Total">The object's length; null when the client does not know it yet.</param>
public sealed partial record ContentRange(long? First, long? Last, long? Total)
{
    /// <summary>A status query: the body carries no bytes.</summary>
    public bool IsQuery => First is null;

    /// <summary>A request without the header: the body is the whole object.</summary>
    public static ContentRange WholeObject { get; } = new(0, null, null);

    /// <summary>Reads the header; null when it is not of the form above.</summary>
    public static ContentRange? Parse(string header)
    {
        var match = Form().Match(header.Trim());
        if (!match.Success)
        {
            return null;
        }
        long? Number(Group group) => group.Success && group.Value != "*" ? long.Parse(group.Value, CultureInfo.InvariantCulture) : null;
        var range = new ContentRange(Number(match.Groups["first"]), Number(match.Groups["last"]), Number(match.Groups["total"]));
        return range.Last < range.First ? null : range;
    }

    [GeneratedRegex(@"^bytes (?:\*|(?<first>[0-9]{1,18})-(?<last>[0-9]{1,18}|\*))/(?<total>[0-9]{1,18}|\*)$")]
    private static partial Regex Form();
}

using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;

namespace Pipeline.Functions.BackfillCsv;

/// <summary>
/// Which objects are dumps of which table, and how many bad rows a file may have. From the environment:
/// <c>BACKFILL_INTERACTION_PREFIX</c> (default <c>user_interaction/</c>), <c>BACKFILL_CONTENT_PREFIX</c>
/// (default <c>content_meta/</c>), <c>BACKFILL_MAX_BAD_ROWS</c> (default 1000).
/// </summary>
public sealed record BackfillOptions(
    string InteractionPrefix = "user_interaction/",
    string ContentPrefix = "content_meta/",
    int MaxBadRows = CsvLoad.DefaultMaxBadRows)
{
    /// <summary>
    /// Reads the variables above, a default for each one unset or empty. Throws <see cref="InvalidOperationException"/>
    /// when <c>BACKFILL_MAX_BAD_ROWS</c> is not an integer ≥ 0.
    /// </summary>
    public static BackfillOptions From(IConfiguration configuration)
    {
        var defaults = new BackfillOptions();
        var maxBadRows = configuration["BACKFILL_MAX_BAD_ROWS"];
        return new BackfillOptions(
            configuration["BACKFILL_INTERACTION_PREFIX"] is { Length: > 0 } interactions ? interactions : defaults.InteractionPrefix,
            configuration["BACKFILL_CONTENT_PREFIX"] is { Length: > 0 } content ? content : defaults.ContentPrefix,
            maxBadRows is null ? defaults.MaxBadRows
                : int.TryParse(maxBadRows, out var max) && max >= 0 ? max
                : throw new InvalidOperationException($"BACKFILL_MAX_BAD_ROWS must be an integer ≥ 0, got '{maxBadRows}'."));
    }

    /// <summary>The table an object feeds, or null when it is not a dump this function loads.</summary>
    public RecordKind? TargetOf(string objectName)
    {
        if (!objectName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && !objectName.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        return objectName.StartsWith(InteractionPrefix, StringComparison.Ordinal) ? RecordKind.Interaction
            : objectName.StartsWith(ContentPrefix, StringComparison.Ordinal) ? RecordKind.ContentMeta
            : null;
    }
}

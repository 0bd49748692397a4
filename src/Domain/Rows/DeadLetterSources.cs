namespace Pipeline.Domain.Rows;

/// <summary>
/// The <c>source</c> values of dead-lettered records: stored values, so spelled out here and never derived from a
/// type name (renaming a class must not change what is in the table).
/// </summary>
public static class DeadLetterSources
{
    /// <summary>Records of the <c>user-interaction</c> topic.</summary>
    public const string IngestInteraction = "IngestInteraction";

    /// <summary>Records of the <c>content-meta</c> topic.</summary>
    public const string IngestContent = "IngestContent";

    /// <summary>Rows of a backfilled CSV object, and storage events that cannot be read.</summary>
    public const string BackfillCsv = "BackfillCsv";

    /// <summary>Every source, as <c>/local/errors?source=</c> accepts them.</summary>
    public static IReadOnlyList<string> All { get; } = [IngestInteraction, IngestContent, BackfillCsv];
}

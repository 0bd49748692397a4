using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;

namespace Pipeline.Functions.BackfillCsv;

/// <summary>
/// Which objects are dumps of which table, how many bad rows a file may have, how long one delivery's work may take
/// and how large an object it takes on. From the environment: <c>BACKFILL_INTERACTION_PREFIX</c> (default
/// <c>user_interaction/</c>), <c>BACKFILL_CONTENT_PREFIX</c> (default <c>content_meta/</c>),
/// <c>BACKFILL_MAX_BAD_ROWS</c> (default 1000), <c>BACKFILL_WORK_DEADLINE_SECONDS</c> (default 3540),
/// <c>BACKFILL_MAX_OBJECT_BYTES</c> (default 8 GB).
/// </summary>
/// <param name="InteractionPrefix">Objects under it load into user_interaction.</param>
/// <param name="ContentPrefix">Objects under it load into content_meta.</param>
/// <param name="MaxBadRows">More bad rows than this and a file fails whole.</param>
/// <param name="WorkDeadlineSeconds">
/// How long one delivery's load may work, whatever happens to its HTTP request: Pub/Sub drops a push after the ack
/// deadline (600 s) and delivers again while this work goes on, so the request's abort must not cancel it. Keep it
/// below the Cloud Run request timeout (deployed 3600 s) with time to answer: 3540 s by default.
/// </param>
/// <param name="MaxObjectBytes">
/// The largest object (as stored; a <c>.csv.gz</c> counts <see cref="CsvLoad.GzipExpansion"/> times its size) one
/// delivery loads. A larger one is recorded <c>failed</c> at once, naming this bound and the size of the parts to split
/// it into, instead of working until the deadline and being delivered until dead-lettered. The default, 8 GB of CSV
/// (about 210 M rows of 38 bytes), stages about 3.5 GB of gzip CSV at the measured 16.7 bytes a row (BENCHMARKS.md,
/// backfill-bigquery), under BigQuery's 4 GB cap on one compressed CSV load file, and takes the client about 12
/// minutes at the rate measured on two busy cores (0.3 M rows/s), well inside the work deadline; BigQuery's load and
/// commit jobs come on top.
/// </param>
public sealed record BackfillOptions(
    string InteractionPrefix = "user_interaction/",
    string ContentPrefix = "content_meta/",
    int MaxBadRows = CsvLoad.DefaultMaxBadRows,
    int WorkDeadlineSeconds = BackfillOptions.DefaultWorkDeadlineSeconds,
    long MaxObjectBytes = BackfillOptions.DefaultMaxObjectBytes)
{
    /// <summary>The default of <see cref="WorkDeadlineSeconds"/>: the deployed 3600 s request timeout less a minute.</summary>
    public const int DefaultWorkDeadlineSeconds = 3540;

    /// <summary>The default of <see cref="MaxObjectBytes"/>: 8 GB.</summary>
    public const long DefaultMaxObjectBytes = 8_000_000_000;

    /// <summary>The variables <see cref="From"/> reads, each with what it sets (the program's <c>--help</c> lists them).</summary>
    public static IReadOnlyList<(string Name, string Description)> Variables { get; } =
    [
        ("BACKFILL_INTERACTION_PREFIX", "Objects under it load into user_interaction (default user_interaction/)"),
        ("BACKFILL_CONTENT_PREFIX", "Objects under it load into content_meta (default content_meta/)"),
        ("BACKFILL_MAX_BAD_ROWS", $"More bad rows than this and a file fails whole (default {CsvLoad.DefaultMaxBadRows})"),
        ("BACKFILL_WORK_DEADLINE_SECONDS", $"How long one delivery's load may work (default {DefaultWorkDeadlineSeconds})"),
        ("BACKFILL_MAX_OBJECT_BYTES", $"The largest object one delivery loads (default {DefaultMaxObjectBytes})"),
    ];

    /// <summary>The work deadline as a span.</summary>
    public TimeSpan WorkDeadline => TimeSpan.FromSeconds(WorkDeadlineSeconds);

    /// <summary>
    /// Reads the variables above, a default for each one unset or empty. Throws <see cref="InvalidOperationException"/>
    /// when <c>BACKFILL_MAX_BAD_ROWS</c> is not an integer ≥ 0, or the deadline or the size bound not an integer ≥ 1.
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
                : throw new InvalidOperationException($"BACKFILL_MAX_BAD_ROWS must be an integer ≥ 0, got '{maxBadRows}'."),
            (int)Positive(configuration, "BACKFILL_WORK_DEADLINE_SECONDS", defaults.WorkDeadlineSeconds),
            Positive(configuration, "BACKFILL_MAX_OBJECT_BYTES", defaults.MaxObjectBytes));
    }

    private static long Positive(IConfiguration configuration, string name, long fallback) => configuration[name] switch
    {
        null or "" => fallback,
        var text when long.TryParse(text, out var value) && value >= 1 && (name != "BACKFILL_WORK_DEADLINE_SECONDS" || value <= int.MaxValue) => value,
        var text => throw new InvalidOperationException($"{name} must be an integer ≥ 1, got '{text}'."),
    };

    /// <summary>The table an object feeds, or null when it is not a dump this function loads (<see cref="WhyIgnored"/> says why).</summary>
    public RecordKind? TargetOf(string objectName) =>
        !IsDumpName(objectName) ? null
        : objectName.StartsWith(InteractionPrefix, StringComparison.Ordinal) ? RecordKind.Interaction
        : objectName.StartsWith(ContentPrefix, StringComparison.Ordinal) ? RecordKind.ContentMeta
        : null;

    /// <summary>
    /// Why an object is not loaded and the name it would need, e.g. <c>not under user_interaction/ or content_meta/:
    /// move it to user_interaction/typo.csv</c>; null when <see cref="TargetOf"/> loads it. A near miss of a prefix
    /// (<c>user_interactions/</c>, <c>User_Interaction/</c>) is moved to that prefix, any other place to both.
    /// </summary>
    public string? WhyIgnored(string objectName)
    {
        if (TargetOf(objectName) is not null)
        {
            return null;
        }
        var problems = new List<string>();
        var renamed = IsDumpName(objectName) ? objectName : DumpNameOf(objectName);
        if (renamed != objectName)
        {
            problems.Add("not a .csv or .csv.gz");
        }
        if (renamed.StartsWith(InteractionPrefix, StringComparison.Ordinal) || renamed.StartsWith(ContentPrefix, StringComparison.Ordinal))
        {
            return $"{problems[0]}: rename it to {renamed}";
        }
        problems.Add($"not under {InteractionPrefix} or {ContentPrefix}");
        var slash = renamed.IndexOf('/', StringComparison.Ordinal);
        var (folder, rest) = slash < 0 ? ("", renamed) : (renamed[..(slash + 1)], renamed[(slash + 1)..]);
        var closest = new[] { InteractionPrefix, ContentPrefix }
            .Select(prefix => (Prefix: prefix, Distance: EditDistance(folder.ToLowerInvariant(), prefix.ToLowerInvariant())))
            .MinBy(c => c.Distance);
        return folder.Length > 0 && closest.Distance <= Math.Max(2, closest.Prefix.Length / 4)
            ? $"{string.Join(" and ", problems)} ({folder} is not {closest.Prefix}): move it to {closest.Prefix}{rest}"
            : $"{string.Join(" and ", problems)}: move it to {InteractionPrefix}{rest} or {ContentPrefix}{rest}";
    }

    private static bool IsDumpName(string name) =>
        name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>The name with a dump's extension: <c>reads</c> → <c>reads.csv</c>, <c>reads.txt</c> → <c>reads.csv</c>, <c>reads.gz</c> → <c>reads.csv.gz</c>.</summary>
    private static string DumpNameOf(string name)
    {
        var slash = name.LastIndexOf('/') + 1;
        var dot = name.LastIndexOf('.');
        if (dot <= slash)
        {
            return name + ".csv";
        }
        var stem = name[..dot];
        return IsDumpName(stem) ? stem
            : name[dot..].Equals(".gz", StringComparison.OrdinalIgnoreCase) ? stem + ".csv.gz"
            : stem + ".csv";
    }

    /// <summary>Levenshtein distance: the single-character edits that turn one into the other.</summary>
    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            previous = current;
        }
        return previous[b.Length];
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using Pipeline.Domain.Backfill;

namespace Pipeline.Local.Bucket;

/// <summary>
/// The bucket's objects BackfillCsv does not load (<see cref="Functions.BackfillCsv.BackfillOptions.WhyIgnored"/>, the one
/// rule), each as the version the watcher last saw: <c>/local/loads</c> lists them after the load_log's rows, with
/// status <c>ignored</c>, no target, and the reason and the name they would need as the error. Kept here rather than
/// in load_log: load_log is the exactly-once ledger of (object, generation, table) that BackfillCsv decides by, and an
/// object that is no dump has no table; in production the function logs a warning with the same text. An object
/// leaves the list when it leaves the bucket (moved to the name it needed, it loads).
/// </summary>
public sealed class IgnoredObjects
{
    /// <summary>The status <c>/local/loads</c> gives these objects.</summary>
    public const string Status = "ignored";

    private readonly ConcurrentDictionary<string, LoadLogEntry> _byName = new(StringComparer.Ordinal);

    /// <summary>Records <paramref name="name"/>'s version <paramref name="generation"/>, seen at <paramref name="at"/>, as not loaded for <paramref name="reason"/>.</summary>
    public void Add(string name, long generation, string reason, DateTimeOffset at) =>
        _byName[name] = new LoadLogEntry($"gs://{LocalBucketWatcher.BucketName}/{name}", generation.ToString(CultureInfo.InvariantCulture), "",
            Status, 0, 0, reason, at.UtcDateTime, at.UtcDateTime);

    /// <summary>Forgets <paramref name="name"/> (it left the bucket).</summary>
    public void Remove(string name) => _byName.TryRemove(name, out _);

    /// <summary>Every ignored object now, by name.</summary>
    public IReadOnlyList<LoadLogEntry> All() => _byName.Values.OrderBy(e => e.Object, StringComparer.Ordinal).ToList();
}

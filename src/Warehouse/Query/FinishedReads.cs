using System.Collections.Concurrent;
using Pipeline.Warehouse.Rows;

namespace Pipeline.Warehouse.Query;

/// <summary>
/// The UserContent answer kept in memory: every finished read (<c>read_percent &gt; 90</c>) by user, sorted by UTC
/// date, and every distinct (content_id, category_name) pair by content. A window's answer costs the reader's own
/// reads in the window, whatever the table's size; categories are joined when the answer is computed, so a late or
/// changed content_meta row counts at once. It answers exactly what <see cref="UserContentSql"/> answers on the same
/// rows: each event id once per user, a content in several categories counted in each.
/// </summary>
/// <remarks>
/// One writer at a time (the engine calls the mutating methods under its write lock, after its transaction
/// committed, with exactly the rows the transaction stored); any number of concurrent readers. A user's reads and a
/// content's categories are immutable arrays, replaced whole, so a reader sees a user before or after a write, never
/// half of one. Nothing here is durable: the engine rebuilds it from its tables when it opens.
/// </remarks>
public sealed class FinishedReads
{
    private readonly ConcurrentDictionary<long, Read[]> _readsByUser = new();
    private volatile ConcurrentDictionary<long, string[]> _categoriesByContent = new();
    private readonly Dictionary<string, int> _originIds = new(StringComparer.Ordinal);
    private readonly List<string> _originObjects = [];
    private readonly Dictionary<string, HashSet<long>> _usersByObject = new(StringComparer.Ordinal);

    /// <summary>How many finished reads are held.</summary>
    public long Count => _readsByUser.Values.Sum(r => (long)r.Length);

    /// <summary>Whether <paramref name="window"/> can be answered here; only a window ending on the last representable date cannot.</summary>
    /// <param name="window">The window asked for.</param>
    public static bool Covers(ReadingWindow window) => window.QueryDate.DayNumber < DateOnly.MaxValue.DayNumber;

    /// <summary>Adds interactions the store has just committed; those that are not finished reads are ignored.</summary>
    /// <param name="interactions">Rows newly stored (a redelivery the store skipped must not be passed again).</param>
    public void AddInteractions(IEnumerable<Interaction> interactions) => Merge(Finished(interactions), removedObject: null);

    /// <summary>
    /// A backfill of <paramref name="objectUri"/> committed: when it replaced an older generation, that object's rows
    /// (of any generation) are gone; <paramref name="loaded"/> are its new rows.
    /// </summary>
    /// <param name="objectUri">The object, <c>gs://bucket/name</c>.</param>
    /// <param name="replacing">Whether the commit deleted the object's older rows.</param>
    /// <param name="loaded">The rows the commit appended.</param>
    public void ApplyBackfill(string objectUri, bool replacing, IEnumerable<Interaction> loaded) =>
        Merge(Finished(loaded), replacing ? objectUri : null);

    /// <summary>Adds content_meta rows the store has just committed (pairs already known change nothing).</summary>
    /// <param name="rows">The rows.</param>
    public void AddContentMeta(IEnumerable<ContentMeta> rows)
    {
        var categories = _categoriesByContent;
        foreach (var row in rows)
        {
            var known = categories.GetValueOrDefault(row.ContentId, []);
            if (Array.IndexOf(known, row.CategoryName) < 0)
            {
                categories[row.ContentId] = [.. known, row.CategoryName];
            }
        }
    }

    /// <summary>Replaces every content's categories with <paramref name="pairs"/> (after rows were deleted, say).</summary>
    /// <param name="pairs">The distinct (content_id, category_name) pairs now stored.</param>
    public void ReplaceContentMeta(IEnumerable<(long ContentId, string CategoryName)> pairs) =>
        _categoriesByContent = new ConcurrentDictionary<long, string[]>(
            pairs.GroupBy(p => p.ContentId).Select(g => KeyValuePair.Create(g.Key, g.Select(p => p.CategoryName).Distinct(StringComparer.Ordinal).ToArray())));

    /// <summary>The window's distinct finished reads per category, in no particular order; empty when nothing matches.</summary>
    /// <param name="window">The user and the dates; <see cref="Covers"/> must hold.</param>
    public IReadOnlyList<CategoryCount> CountCategories(ReadingWindow window)
    {
        if (!_readsByUser.TryGetValue(window.UserId, out var reads))
        {
            return [];
        }
        var (first, last) = (window.FirstDate.DayNumber, window.QueryDate.DayNumber);
        var categories = _categoriesByContent;
        var seen = new HashSet<ReadKey>();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = FirstAtOrAfter(reads, first); i < reads.Length && reads[i].Day <= last; i++)
        {
            if (!seen.Add(reads[i].Key) || !categories.TryGetValue(reads[i].ContentId, out var names))
            {
                continue;
            }
            foreach (var name in names)
            {
                counts[name] = counts.GetValueOrDefault(name) + 1;
            }
        }
        return [.. counts.Select(c => new CategoryCount(c.Key, c.Value))];
    }

    private IEnumerable<(long UserId, Read Read)> Finished(IEnumerable<Interaction> interactions) =>
        interactions.Where(i => i.ReadPercent > ReadingWindow.FinishedAbovePercent)
            .Select(i => (i.UserId, new Read(DateOnly.FromDateTime(i.UpdatedAt).DayNumber, i.ContentId, KeyOf(i.EventId, i.UserId))));

    /// <summary>One replacement per affected user: the removed object's reads dropped, the new ones in, sorted by date.</summary>
    private void Merge(IEnumerable<(long UserId, Read Read)> added, string? removedObject)
    {
        // The removed object's users first: reading the added rows registers the users of its new generation.
        var removedUsers = removedObject is not null && _usersByObject.Remove(removedObject, out var users) ? users : [];
        var byUser = added.GroupBy(a => a.UserId, a => a.Read).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var user in byUser.Keys.Union(removedUsers))
        {
            var kept = _readsByUser.GetValueOrDefault(user, []).Where(r => removedObject is null || ObjectOf(r.Key) != removedObject);
            var merged = kept.Concat(byUser.GetValueOrDefault(user, [])).ToArray();
            Array.Sort(merged, static (a, b) => a.Day.CompareTo(b.Day));
            if (merged.Length == 0)
            {
                _readsByUser.TryRemove(user, out _);
            }
            else
            {
                _readsByUser[user] = merged;
            }
        }
    }

    private static int FirstAtOrAfter(Read[] reads, int day)
    {
        var (low, high) = (0, reads.Length);
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            (low, high) = reads[middle].Day < day ? (middle + 1, high) : (low, middle);
        }
        return low;
    }

    /// <summary>
    /// The event id, compactly and losslessly. A backfilled row's id, <c>&lt;object&gt;#&lt;generation&gt;:&lt;line&gt;</c>,
    /// is held as its interned <c>object#generation</c> and its line number, so millions of loaded rows do not each
    /// keep the object's name; any other id (a Pub/Sub message id) is held as it is.
    /// </summary>
    private ReadKey KeyOf(string eventId, long userId)
    {
        var hash = eventId.LastIndexOf('#');
        var colon = eventId.LastIndexOf(':');
        if (hash <= 0 || colon <= hash + 1 || colon == eventId.Length - 1
            || !AllDigits(eventId.AsSpan(hash + 1, colon - hash - 1)) || !AllDigits(eventId.AsSpan(colon + 1)))
        {
            return new ReadKey(-1, 0, eventId);
        }
        var objectUri = eventId[..hash];
        var origin = eventId[..colon];
        if (!_originIds.TryGetValue(origin, out var id))
        {
            id = _originObjects.Count;
            _originIds[origin] = id;
            _originObjects.Add(objectUri);
        }
        if (!_usersByObject.TryGetValue(objectUri, out var users))
        {
            _usersByObject[objectUri] = users = [];
        }
        users.Add(userId);
        var line = eventId.AsSpan(colon + 1);
        // A line number that does not read back the same (a leading zero, an overflow) keeps its whole id.
        return long.TryParse(line, out var number) && number.ToString(System.Globalization.CultureInfo.InvariantCulture).AsSpan().SequenceEqual(line)
            ? new ReadKey(id, number, null)
            : new ReadKey(id, -1, eventId);
    }

    private string? ObjectOf(ReadKey key) => key.Origin < 0 ? null : _originObjects[key.Origin];

    private static bool AllDigits(ReadOnlySpan<char> text) => !text.IsEmpty && !text.ContainsAnyExceptInRange('0', '9');

    /// <summary>An event id: an interned backfill origin and line, or the id itself (<see cref="KeyOf"/>).</summary>
    private readonly record struct ReadKey(int Origin, long Line, string? EventId);

    /// <summary>A finished read: its UTC date (day number), the content read, and its event id.</summary>
    private readonly record struct Read(int Day, long ContentId, ReadKey Key);
}

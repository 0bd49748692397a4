using System.Collections.Concurrent;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;

namespace Pipeline.Domain.Query;

/// <summary>
/// The UserContent answer kept in memory: every finished read (<c>read_percent &gt; 90</c>) by user, sorted by UTC
/// date, and every distinct (content_id, category_name) pair by content. A window's answer costs the reader's own
/// reads in the window, whatever the table's size; categories are joined when the answer is computed, so a late or
/// changed content_meta row counts at once. It answers exactly what <see cref="UserContentSql"/> answers on the same
/// rows, a content in several categories counted in each, provided each event id is stored once — which holds for
/// every row this product writes (the engine checks it when it builds this, and answers by SQL when it does not).
/// A read is 16 bytes: its date, the content, and the backfilled object it came from (so that a replacement can
/// drop it); no event id is kept.
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
    private readonly Dictionary<string, int> _objectIds = new(StringComparer.Ordinal);
    private readonly Dictionary<int, HashSet<long>> _usersByObject = [];

    /// <summary>Whether <paramref name="window"/> can be answered here; only a window ending on the last representable date cannot.</summary>
    /// <param name="window">The window asked for.</param>
    public static bool Covers(ReadingWindow window) => window.QueryDate.DayNumber < DateOnly.MaxValue.DayNumber;

    /// <summary>
    /// Adds one user's finished reads in bulk, in date order (the engine's first build reads them ordered by user,
    /// then date). <paramref name="objects"/> holds each read's object, or null.
    /// </summary>
    /// <param name="userId">The user.</param>
    /// <param name="days">Each read's UTC date as a <see cref="DateOnly.DayNumber"/>, ascending.</param>
    /// <param name="contents">Each read's content.</param>
    /// <param name="objects">Each read's backfilled object (<see cref="CsvLoad.ObjectOfRow"/>), or null.</param>
    public void LoadUser(long userId, ReadOnlySpan<int> days, ReadOnlySpan<long> contents, ReadOnlySpan<string?> objects)
    {
        var reads = new Read[days.Length];
        for (var i = 0; i < reads.Length; i++)
        {
            reads[i] = new Read(days[i], OriginOf(objects[i], userId), contents[i]);
        }
        _readsByUser[userId] = reads;
    }

    /// <summary>Adds interactions the store has just committed; those that are not finished reads are ignored.</summary>
    /// <param name="interactions">Rows newly stored (a redelivery the store skipped must not be passed again).</param>
    public void AddInteractions(IEnumerable<Interaction> interactions) => Merge(interactions, removedObject: null);

    /// <summary>
    /// A backfill of <paramref name="objectUri"/> committed: when it replaced an older generation, that object's rows
    /// (of any generation) are gone; <paramref name="loaded"/> are its new rows.
    /// </summary>
    /// <param name="objectUri">The object, <c>gs://bucket/name</c>.</param>
    /// <param name="replacing">Whether the commit deleted the object's older rows.</param>
    /// <param name="loaded">The rows the commit appended.</param>
    public void ApplyBackfill(string objectUri, bool replacing, IEnumerable<Interaction> loaded) =>
        Merge(loaded, replacing ? objectUri : null);

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

    /// <summary>The window's finished reads per category, in no particular order; empty when nothing matches.</summary>
    /// <param name="window">The user and the dates; <see cref="Covers"/> must hold.</param>
    public IReadOnlyList<CategoryCount> CountCategories(ReadingWindow window)
    {
        if (!_readsByUser.TryGetValue(window.UserId, out var reads))
        {
            return [];
        }
        var (first, last) = (window.FirstDate.DayNumber, window.QueryDate.DayNumber);
        var categories = _categoriesByContent;
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = FirstAtOrAfter(reads, first); i < reads.Length && reads[i].Day <= last; i++)
        {
            if (categories.TryGetValue(reads[i].ContentId, out var names))
            {
                foreach (var name in names)
                {
                    counts[name] = counts.GetValueOrDefault(name) + 1;
                }
            }
        }
        return [.. counts.Select(c => new CategoryCount(c.Key, c.Value))];
    }

    /// <summary>One replacement per affected user: the removed object's reads dropped, the new ones in, sorted by date.</summary>
    private void Merge(IEnumerable<Interaction> rows, string? removedObject)
    {
        // The removed object's users first: reading the added rows registers the users of its new generation.
        var removedOrigin = removedObject is not null && _objectIds.TryGetValue(removedObject, out var id) ? id : -1;
        var removedUsers = removedOrigin >= 0 && _usersByObject.Remove(removedOrigin, out var users) ? users : [];
        var byUser = rows.Where(r => r.ReadPercent > ReadingWindow.FinishedAbovePercent)
            .GroupBy(r => r.UserId, r => new Read(DateOnly.FromDateTime(r.UpdatedAt).DayNumber, OriginOf(CsvLoad.ObjectOfRow(r.EventId), r.UserId), r.ContentId))
            .ToDictionary(g => g.Key, g => g.ToList());
        foreach (var user in byUser.Keys.Union(removedUsers))
        {
            var kept = _readsByUser.GetValueOrDefault(user, []).Where(r => removedOrigin < 0 || r.Origin != removedOrigin);
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

    /// <summary>The interned id of a read's object (-1 for none), noting that the user has reads of it.</summary>
    private int OriginOf(string? objectUri, long userId)
    {
        if (objectUri is null)
        {
            return -1;
        }
        if (!_objectIds.TryGetValue(objectUri, out var id))
        {
            _objectIds[objectUri] = id = _objectIds.Count;
        }
        if (!_usersByObject.TryGetValue(id, out var users))
        {
            _usersByObject[id] = users = [];
        }
        users.Add(userId);
        return id;
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

    /// <summary>A finished read: its UTC date (day number), the backfilled object it came from (-1: none), the content read.</summary>
    private readonly record struct Read(int Day, int Origin, long ContentId);
}

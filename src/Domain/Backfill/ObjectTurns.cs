using Pipeline.Domain.Rows;

namespace Pipeline.Domain.Backfill;

/// <summary>
/// Turns per (object, target) within one process: attempts at different objects run at once, two at one object
/// wait for each other. A key's entry lives only while someone holds or waits for it.
/// </summary>
internal sealed class ObjectTurns
{
    private readonly Dictionary<(string Object, RecordKind Target), Entry> _entries = [];

    /// <summary>Waits for the key's turn; disposing the result ends it.</summary>
    public async Task<IDisposable> TakeAsync((string Object, RecordKind Target) key, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out entry!))
            {
                entry = new Entry();
                _entries[key] = entry;
            }
            entry.Users++;
        }
        try
        {
            await entry.Gate.WaitAsync(cancellationToken);
        }
        catch
        {
            Leave(key, entry);
            throw;
        }
        return new Turn(this, key, entry);
    }

    private void Leave((string, RecordKind) key, Entry entry)
    {
        lock (_entries)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(key);
                entry.Gate.Dispose();
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public int Users { get; set; }
    }

    private sealed class Turn(ObjectTurns owner, (string, RecordKind) key, Entry entry) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                entry.Gate.Release();
                owner.Leave(key, entry);
            }
        }
    }
}

using System.Buffers;

namespace Pipeline.Domain.Backfill;

/// <summary>
/// Rows as the tokenizer copied them, to be validated on another core: each row's line number, its raw text (kept
/// for a rejection) and its wanted cells, unescaped and trimmed, all in one pooled character buffer.
/// </summary>
internal sealed class CsvRowBatch(int fieldCount) : IDisposable
{
    /// <summary>How many rows a batch holds before it is handed off.</summary>
    public const int MaxRows = 4096;

    private const int RawSlot = 0;

    private readonly int _slots = fieldCount + 1;
    private readonly int[] _lines = new int[MaxRows];
    private readonly bool[] _tooLong = new bool[MaxRows];
    private int[] _offsets = new int[MaxRows * (fieldCount + 1) * 2];
    private char[] _chars = ArrayPool<char>.Shared.Rent(1 << 16);
    private int _used;

    /// <summary>Rows in the batch.</summary>
    public int Count { get; private set; }

    /// <summary>Whether the batch is full.</summary>
    public bool IsFull => Count == MaxRows;

    /// <summary>Starts a row: its line number and raw text; <see cref="SetCell"/> then gives its cells.</summary>
    public void Add(int line, ReadOnlySpan<char> raw, bool tooLong)
    {
        _lines[Count] = line;
        _tooLong[Count] = tooLong;
        Count++;
        Store(RawSlot, raw);
    }

    /// <summary>The current row's cell for field <paramref name="field"/> (empty when the column is absent).</summary>
    public void SetCell(int field, ReadOnlySpan<char> cell) => Store(field + 1, cell);

    /// <summary>A row's line number (the header is line 1).</summary>
    public int Line(int row) => _lines[row];

    /// <summary>Whether a row was over the length limit (its raw text is then cut, and it has no cells).</summary>
    public bool TooLong(int row) => _tooLong[row];

    /// <summary>A row's raw text.</summary>
    public ReadOnlySpan<char> Raw(int row) => Slot(row, RawSlot);

    /// <summary>A row's cell for field <paramref name="field"/>.</summary>
    public ReadOnlySpan<char> Cell(int row, int field) => Slot(row, field + 1);

    /// <summary>Gives the buffer back to the pool.</summary>
    public void Dispose()
    {
        ArrayPool<char>.Shared.Return(_chars);
        _chars = [];
    }

    private ReadOnlySpan<char> Slot(int row, int slot)
    {
        var at = ((row * _slots) + slot) * 2;
        return _chars.AsSpan(_offsets[at], _offsets[at + 1]);
    }

    private void Store(int slot, ReadOnlySpan<char> text)
    {
        if (_used + text.Length > _chars.Length)
        {
            var larger = ArrayPool<char>.Shared.Rent(Math.Max(_chars.Length * 2, _used + text.Length));
            _chars.AsSpan(0, _used).CopyTo(larger);
            ArrayPool<char>.Shared.Return(_chars);
            _chars = larger;
        }
        text.CopyTo(_chars.AsSpan(_used));
        var at = (((Count - 1) * _slots) + slot) * 2;
        _offsets[at] = _used;
        _offsets[at + 1] = text.Length;
        _used += text.Length;
    }
}

using System.Collections.Immutable;
using nietras.SeparatedValues;
using Pipeline.Warehouse.Parsing;
using Pipeline.Warehouse.Rows;

namespace Pipeline.Warehouse.Backfill;

/// <summary>
/// Reads a CSV dump (RFC 4180: quoted fields may hold commas, quotes and newlines; CRLF or LF; UTF-8 with or
/// without BOM) whose header names its columns in any order. Each row is validated by the same
/// <see cref="FieldRules"/> as a Pub/Sub record and becomes a row with event id <c>prefix + line</c>, or a
/// <see cref="CsvRejection"/> with its line number (the header is line 1), its raw text and the reason.
/// </summary>
public static class CsvRecords
{
    /// <summary>A row longer than this is refused (its first characters are kept as its raw text).</summary>
    public const int MaxRowChars = 1024 * 1024;

    private static readonly ImmutableArray<string> s_interactionColumns = ["user_id", "content_id|pratilipi_id", "read_percent", "updated_at"];
    private static readonly ImmutableArray<string> s_contentColumns = ["content_id|pratilipi_id", "category_name", "updated_at?"];

    private delegate bool RowReader<TRow>(in Fields fields, string eventId, out TRow? row, out string error);

    /// <summary>
    /// Reads an interaction dump (<c>user_id</c>, <c>content_id</c> or <c>pratilipi_id</c>, <c>read_percent</c>,
    /// <c>updated_at</c>), handing each row to <paramref name="onRow"/> and each refused one to <paramref name="onReject"/>.
    /// Throws <see cref="CsvFileException"/> when the file is empty or its header lacks a required column.
    /// </summary>
    public static void ReadInteractions(TextReader text, string eventIdPrefix, Action<Interaction> onRow, Action<CsvRejection> onReject, CancellationToken cancellationToken) =>
        Read<Interaction>(text, eventIdPrefix, s_interactionColumns, ReadInteraction, onRow, onReject, cancellationToken);

    /// <summary>
    /// Reads a content-meta dump (<c>content_id</c> or <c>pratilipi_id</c>, <c>category_name</c>, optional
    /// <c>updated_at</c>), handing each row to <paramref name="onRow"/> and each refused one to <paramref name="onReject"/>.
    /// Throws <see cref="CsvFileException"/> when the file is empty or its header lacks a required column.
    /// </summary>
    public static void ReadContentMeta(TextReader text, string eventIdPrefix, Action<ContentMeta> onRow, Action<CsvRejection> onReject, CancellationToken cancellationToken) =>
        Read<ContentMeta>(text, eventIdPrefix, s_contentColumns, ReadContentMetaRow, onRow, onReject, cancellationToken);

    private static bool ReadInteraction(in Fields f, string eventId, out Interaction? row, out string error)
    {
        row = null;
        if (f.Id(0, out var userId, out error) && f.Id(1, out var contentId, out error)
            && f.Percent(2, out var percent, out error) && f.Timestamp(3, out var updatedAt, out error))
        {
            row = new Interaction(eventId, userId, contentId, percent, updatedAt!.Value);
            return true;
        }
        return false;
    }

    private static bool ReadContentMetaRow(in Fields f, string eventId, out ContentMeta? row, out string error)
    {
        row = null;
        if (f.Id(0, out var contentId, out error) && f.Name(1, out var category, out error) && f.Timestamp(2, out var updatedAt, out error))
        {
            row = new ContentMeta(eventId, contentId, category, updatedAt);
            return true;
        }
        return false;
    }

    private static void Read<TRow>(
        TextReader text, string eventIdPrefix, ImmutableArray<string> wanted, RowReader<TRow> read,
        Action<TRow> onRow, Action<CsvRejection> onReject, CancellationToken cancellationToken)
    {
        using var reader = Sep.New(',').Reader(o => o with { Unescape = true, DisableColCountCheck = true }).From(text);
        if (reader.Header.IsEmpty)
        {
            throw new CsvFileException("the file is empty: a header row is required");
        }
        var columns = ResolveColumns(reader.Header.ColNames, wanted);
        var names = wanted.Select(w => w.Split('|')[0].TrimEnd('?')).ToArray();
        var optional = wanted.Select(w => w.EndsWith('?')).ToArray();
        var counter = 0;
        foreach (var row in reader)
        {
            if ((++counter & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            if (row.ColCount == 1 && row[0].Span.IsWhiteSpace())
            {
                continue;
            }
            var line = row.LineNumberFrom;
            if (row.Span.Length > MaxRowChars)
            {
                onReject(new CsvRejection(line, row.Span[..MaxRowChars].ToString() + "…(truncated)", $"row: longer than {MaxRowChars} characters"));
                continue;
            }
            var fields = new Fields(row, columns, names, optional);
            if (read(fields, eventIdPrefix + line.ToString(System.Globalization.CultureInfo.InvariantCulture), out var result, out var error))
            {
                onRow(result!);
            }
            else
            {
                onReject(new CsvRejection(line, row.Span.ToString(), error));
            }
        }
    }

    /// <summary>Finds each wanted column in the header: trimmed, case-insensitive, aliases after '|', optional ones end in '?'.</summary>
    private static int[] ResolveColumns(IReadOnlyList<string> header, ImmutableArray<string> wanted)
    {
        var positions = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = header.Count - 1; i >= 0; i--)
        {
            positions[header[i].Trim().TrimStart('\uFEFF')] = i;
        }
        var columns = new int[wanted.Length];
        for (var i = 0; i < wanted.Length; i++)
        {
            var optional = wanted[i].EndsWith('?');
            var aliases = wanted[i].TrimEnd('?').Split('|');
            columns[i] = aliases.Select(a => positions.TryGetValue(a, out var p) ? p : -1).FirstOrDefault(p => p >= 0, -1);
            if (columns[i] < 0 && !optional)
            {
                var also = aliases.Length > 1 ? $" (or {string.Join(", ", aliases[1..])})" : "";
                throw new CsvFileException($"missing required column '{aliases[0]}'{also}; the header has: {string.Join(", ", header)}");
            }
        }
        return columns;
    }

    /// <summary>The wanted fields of one row, read by the shared rules; a missing or blank cell is a missing field.</summary>
    private readonly ref struct Fields(SepReader.Row row, int[] columns, string[] names, bool[] optional)
    {
        private readonly SepReader.Row _row = row;

        private ReadOnlySpan<char> Cell(int i) =>
            columns[i] >= 0 && columns[i] < _row.ColCount ? _row[columns[i]].Span.Trim() : [];

        public bool Id(int i, out long value, out string error) => Check(i, FieldRules.ParseId(Cell(i), out value), out error);

        public bool Percent(int i, out double value, out string error) => Check(i, FieldRules.ParsePercent(Cell(i), out value), out error);

        public bool Name(int i, out string value, out string error)
        {
            value = Cell(i).ToString();
            return Check(i, FieldRules.CheckName(value), out error);
        }

        /// <summary>A timestamp; an optional one that is absent or blank reads as null.</summary>
        public bool Timestamp(int i, out DateTime? value, out string error)
        {
            value = null;
            if (Cell(i).IsEmpty && optional[i])
            {
                error = "";
                return true;
            }
            var problem = FieldRules.ParseTimestamp(Cell(i), out var utc);
            value = utc;
            return Check(i, problem, out error);
        }

        private bool Check(int i, FieldProblem problem, out string error)
        {
            if (problem != FieldProblem.None && Cell(i).IsEmpty)
            {
                problem = FieldProblem.Missing;
            }
            error = problem == FieldProblem.None ? "" : FieldRules.Describe(names[i], problem, $"'{Cell(i)}'");
            return problem == FieldProblem.None;
        }
    }
}

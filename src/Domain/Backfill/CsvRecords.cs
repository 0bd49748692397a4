using nietras.SeparatedValues;
using Pipeline.Domain.Parsing;
using Pipeline.Domain.Rows;

namespace Pipeline.Domain.Backfill;

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

    /// <summary>
    /// Reads a dump of <paramref name="shape"/>'s records (<see cref="RecordShapes"/>: its fields are the header's
    /// required columns, found by name or alias in any order), handing each row to <paramref name="onRow"/> and each
    /// refused one to <paramref name="onReject"/>. Throws <see cref="CsvFileException"/> when the file is empty or its
    /// header lacks a required column.
    /// </summary>
    public static void Read<TRow>(
        RecordShape<TRow> shape, TextReader text, string eventIdPrefix, Action<TRow> onRow, Action<CsvRejection> onReject, CancellationToken cancellationToken)
    {
        using var reader = Sep.New(',').Reader(o => o with { Unescape = true, DisableColCountCheck = true }).From(text);
        if (reader.Header.IsEmpty)
        {
            throw new CsvFileException("the file is empty: a header row is required");
        }
        var columns = ResolveColumns(reader.Header.ColNames, shape.Fields);
        // This thread splits the text into rows, in order, so line numbers are exact, and copies each row's raw text
        // and wanted cells into a batch; the batches are validated and made into rows on every core, and their
        // results handed on in file order. At most two batches a core are in flight.
        var inFlight = new Queue<Task<(TRow? Row, CsvRejection? Rejection)[]>>();
        var maxInFlight = 2 * Math.Max(1, Environment.ProcessorCount);
        void Emit()
        {
            foreach (var (row, rejection) in inFlight.Dequeue().GetAwaiter().GetResult())
            {
                if (rejection is not null)
                {
                    onReject(rejection);
                }
                else
                {
                    onRow(row!);
                }
            }
        }
        var batch = new CsvRowBatch(shape.Fields.Count);
        void Hand()
        {
            var full = batch;
            inFlight.Enqueue(Task.Run(() => ReadBatch(full, shape, eventIdPrefix), CancellationToken.None));
            batch = new CsvRowBatch(shape.Fields.Count);
            while (inFlight.Count > maxInFlight)
            {
                Emit();
            }
        }
        try
        {
            foreach (var row in reader)
            {
                if (row.ColCount == 1 && row[0].Span.IsWhiteSpace())
                {
                    continue;
                }
                var tooLong = row.Span.Length > MaxRowChars;
                batch.Add(row.LineNumberFrom, tooLong ? row.Span[..MaxRowChars] : row.Span, tooLong);
                for (var i = 0; !tooLong && i < columns.Length; i++)
                {
                    batch.SetCell(i, columns[i] >= 0 && columns[i] < row.ColCount ? row[columns[i]].Span.Trim() : []);
                }
                if (batch.IsFull)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    Hand();
                }
            }
            if (batch.Count > 0)
            {
                Hand();
            }
            while (inFlight.Count > 0)
            {
                Emit();
            }
        }
        finally
        {
            batch.Dispose();
            // Batches still in flight when something stopped the file finish (and give their buffers back) before
            // this returns; what they found no longer matters.
            foreach (var pending in inFlight)
            {
                try
                {
                    pending.Wait(CancellationToken.None);
                }
                catch (AggregateException)
                {
                    // The file's own failure is the one being reported.
                }
            }
        }
    }

    /// <summary>Validates one batch's rows (on any core): each a row, or a rejection with its line number and reason.</summary>
    private static (TRow? Row, CsvRejection? Rejection)[] ReadBatch<TRow>(CsvRowBatch batch, RecordShape<TRow> shape, string eventIdPrefix)
    {
        using (batch)
        {
            var results = new (TRow?, CsvRejection?)[batch.Count];
            for (var r = 0; r < batch.Count; r++)
            {
                var line = batch.Line(r);
                if (batch.TooLong(r))
                {
                    results[r] = (default, new CsvRejection(line, batch.Raw(r).ToString() + "…(truncated)", $"row: longer than {MaxRowChars} characters"));
                }
                else if (TryReadRow(batch, r, shape.Fields, out var values, out var error))
                {
                    results[r] = (shape.Create(eventIdPrefix + line.ToString(System.Globalization.CultureInfo.InvariantCulture), in values), null);
                }
                else
                {
                    results[r] = (default, new CsvRejection(line, batch.Raw(r).ToString(), error));
                }
            }
            return results;
        }
    }

    /// <summary>
    /// Finds each field's column in the header: trimmed, case-insensitive, by name then alias; an optional field may be
    /// absent (-1). Every required column that is missing is named in one message, with the header's columns the shape
    /// does not know (often the same column misspelt), so one fix mends the header.
    /// </summary>
    private static int[] ResolveColumns(IReadOnlyList<string> header, IReadOnlyList<RecordField> fields)
    {
        var names = header.Select(h => h.Trim().TrimStart('\uFEFF')).ToList();
        var positions = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = names.Count - 1; i >= 0; i--)
        {
            positions[names[i]] = i;
        }
        var columns = new int[fields.Count];
        var missing = new List<string>();
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            columns[i] = positions.TryGetValue(field.Name, out var p) ? p
                : field.Alias is not null && positions.TryGetValue(field.Alias, out p) ? p
                : -1;
            if (columns[i] < 0 && !field.Optional)
            {
                missing.Add(field.Alias is null ? $"'{field.Name}'" : $"'{field.Name}' (or '{field.Alias}')");
            }
        }
        if (missing.Count > 0)
        {
            throw new CsvFileException(MissingColumnsMessage(missing, names, fields));
        }
        return columns;
    }

    /// <summary>
    /// <c>missing required columns 'a', 'b'; unknown columns: 'x'; the header must name: a, b, c[, d (optional)]; it has: …</c>
    /// (one column: <c>missing required column 'a'</c>; the unknown part only when there are any).
    /// </summary>
    private static string MissingColumnsMessage(List<string> missing, List<string> header, IReadOnlyList<RecordField> fields)
    {
        var known = new HashSet<string>(fields.Select(f => f.Name).Concat(fields.Where(f => f.Alias is not null).Select(f => f.Alias!)), StringComparer.OrdinalIgnoreCase);
        var unknown = header.Where(h => !known.Contains(h)).Select(h => $"'{h}'").ToList();
        var wanted = string.Join(", ", fields.Select(f => f.Name + (f.Alias is null ? "" : $" (or {f.Alias})") + (f.Optional ? " (optional)" : "")));
        return $"missing required column{(missing.Count == 1 ? "" : "s")} {string.Join(", ", missing)}"
            + (unknown.Count == 0 ? "" : $"; unknown column{(unknown.Count == 1 ? "" : "s")}: {string.Join(", ", unknown)}")
            + $"; the header must name: {wanted}; it has: {string.Join(", ", header)}";
    }

    /// <summary>
    /// Reads each field's cell by its rule (trimmed when copied; a missing or blank cell is a missing field, or null when the
    /// field is optional); false with the first invalid field's error, which shows the cell as <c>'text'</c>.
    /// </summary>
    private static bool TryReadRow(CsvRowBatch batch, int row, IReadOnlyList<RecordField> fields, out FieldValues values, out string error)
    {
        values = new FieldValues();
        error = "";
        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i];
            var cell = batch.Cell(row, i);
            if (cell.IsEmpty && field.Optional)
            {
                continue;
            }
            FieldProblem problem;
            switch (field.Kind)
            {
                case FieldKind.Id:
                    problem = FieldRules.ParseId(cell, out var id);
                    values.SetId(i, id);
                    break;
                case FieldKind.Percent:
                    problem = FieldRules.ParsePercent(cell, out var percent);
                    values.SetPercent(i, percent);
                    break;
                case FieldKind.Name:
                    problem = FieldRules.CheckName(cell);
                    values.SetName(i, cell.ToString());
                    break;
                default:
                    problem = FieldRules.ParseTimestamp(cell, out var utc);
                    values.SetTimestamp(i, utc);
                    break;
            }
            if (problem != FieldProblem.None)
            {
                error = FieldRules.Describe(field.Name, cell.IsEmpty ? FieldProblem.Missing : problem, $"'{cell}'");
                return false;
            }
        }
        return true;
    }
}

using System.Buffers;
using System.Globalization;
using System.Text;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Domain.Schema;
using Pipeline.Warehouse.BigQuery.Rest;

namespace Pipeline.Warehouse.BigQuery;

/// <summary>
/// The staging file's lines: headerless CSV (RFC 4180) in the staging table's column order
/// (<see cref="BackfillScript.StagingSchema"/>): the row's line number, the row's values (a timestamp as INT64
/// microseconds since the epoch), then a dead letter's payload and error. A good row leaves the dead letter's fields
/// empty, a dead letter the row's: an empty unquoted field is NULL. The event id is not staged: the commit rebuilds
/// it from the generation's prefix and the line (<see cref="CsvLoad.EventIdPrefix"/>).
/// </summary>
internal static class StagingCsv
{
    /// <summary>
    /// The load job reading these lines, gzip-compressed, into <paramref name="staging"/>: headerless CSV, comma
    /// delimited, quoted fields may hold line breaks and control characters (a dead letter's raw payload), the
    /// default null marker (an empty unquoted field is NULL).
    /// </summary>
    public static JobConfigurationLoad Load(TableReference staging, TableSchema schema) =>
        new(staging, schema, SourceFormat: "CSV", FieldDelimiter: ",", AllowQuotedNewlines: true, PreserveAsciiControlCharacters: true,
            Encoding: "UTF-8", SkipLeadingRows: 0);

    /// <summary>Writes a target's rows, each keyed by the line its event id names.</summary>
    public static Action<ArrayBufferWriter<byte>, string, TRow> Rows<TRow>(IReadOnlyList<Column<TRow>> staged, Func<TRow, string> eventId, int trailingEmpty)
    {
        var fields = staged.Select(Field).ToArray();
        return (output, prefix, row) =>
        {
            Line(output, prefix, eventId(row));
            foreach (var field in fields)
            {
                Ascii(output, ',');
                field(output, row);
            }
            for (var i = 0; i < trailingEmpty; i++)
            {
                Ascii(output, ',');
            }
            Ascii(output, '\n');
        };
    }

    /// <summary>Writes a dead letter: its line, <paramref name="leadingEmpty"/> empty row fields, its payload and error.</summary>
    public static void DeadLetter(ArrayBufferWriter<byte> output, string prefix, DeadLetter deadLetter, int leadingEmpty)
    {
        Line(output, prefix, deadLetter.EventId);
        for (var i = 0; i < leadingEmpty; i++)
        {
            Ascii(output, ',');
        }
        Ascii(output, ',');
        Text(output, deadLetter.Payload);
        Ascii(output, ',');
        Text(output, deadLetter.Error);
        Ascii(output, '\n');
    }

    /// <summary>The line number: what follows the generation's prefix in the event id.</summary>
    private static void Line(ArrayBufferWriter<byte> output, string prefix, string eventId)
    {
        if (!eventId.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The event id {eventId} is not of this generation ({prefix}<line>).");
        }
        var line = eventId.AsSpan(prefix.Length);
        var span = output.GetSpan(line.Length);
        for (var i = 0; i < line.Length; i++)
        {
            span[i] = (byte)line[i];
        }
        output.Advance(line.Length);
    }

    private static Action<ArrayBufferWriter<byte>, TRow> Field<TRow>(Column<TRow> column)
    {
        switch (column.Type)
        {
            case ColumnType.String:
                var text = column.StringOf!;
                return (output, row) =>
                {
                    if (text(row) is { } value)
                    {
                        Text(output, value);
                    }
                };
            case ColumnType.Int64:
                var int64 = column.Int64Of!;
                return (output, row) =>
                {
                    if (int64(row) is { } value)
                    {
                        Formatted(output, value);
                    }
                };
            case ColumnType.Float64:
                var float64 = column.Float64Of!;
                return (output, row) =>
                {
                    if (float64(row) is { } value)
                    {
                        Formatted(output, value);
                    }
                };
            default:
                var timestamp = column.TimestampOf ?? throw new ArgumentException($"Column {column.Name} is not staged: the commit gives it.", nameof(column));
                return (output, row) =>
                {
                    if (timestamp(row) is { } value)
                    {
                        Formatted(output, (value.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond);
                    }
                };
        }
    }

    /// <summary>A number in its shortest exact form (a double round-trips).</summary>
    private static void Formatted<T>(ArrayBufferWriter<byte> output, T value) where T : IUtf8SpanFormattable
    {
        var span = output.GetSpan(32);
        if (!value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"{value} does not fit 32 bytes.");
        }
        output.Advance(written);
    }

    /// <summary>A string, quoted (quotes doubled) when it holds a delimiter, a quote or a line break, or is empty (so it is not NULL).</summary>
    private static void Text(ArrayBufferWriter<byte> output, string value)
    {
        var quoted = value.Length == 0 || value.AsSpan().IndexOfAny(",\"\r\n") >= 0;
        if (!quoted)
        {
            output.Advance(Encoding.UTF8.GetBytes(value, output.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length))));
            return;
        }
        var escaped = value.Replace("\"", "\"\"", StringComparison.Ordinal);
        Ascii(output, '"');
        output.Advance(Encoding.UTF8.GetBytes(escaped, output.GetSpan(Encoding.UTF8.GetMaxByteCount(escaped.Length))));
        Ascii(output, '"');
    }

    private static void Ascii(ArrayBufferWriter<byte> output, char c)
    {
        output.GetSpan(1)[0] = (byte)c;
        output.Advance(1);
    }
}

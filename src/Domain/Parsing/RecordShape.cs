using System.Runtime.CompilerServices;

namespace Pipeline.Domain.Parsing;

/// <summary>Which <see cref="FieldRules"/> rule a field's value is read by, and so which value it gives.</summary>
public enum FieldKind
{
    /// <summary>An id (<see cref="FieldRules.ParseId"/>): a <see cref="long"/>.</summary>
    Id,

    /// <summary>A read percentage (<see cref="FieldRules.ParsePercent"/>): a <see cref="double"/>.</summary>
    Percent,

    /// <summary>A name (<see cref="FieldRules.CheckName"/>): a <see cref="string"/>.</summary>
    Name,

    /// <summary>A date or timestamp (<see cref="FieldRules.ParseTimestamp"/>): a UTC <see cref="DateTime"/>, null when optional and absent.</summary>
    Timestamp,
}

/// <summary>One field of a record, as every input format names it.</summary>
/// <param name="Name">Its name: a JSON property, a CSV header column (matched without case), the table's column.</param>
/// <param name="Kind">The rule its value is read by.</param>
/// <param name="Optional">Whether a record may leave it out (absent, null or blank); it then reads as null.</param>
/// <param name="Alias">Another name it is looked for under when <paramref name="Name"/> is absent (<c>pratilipi_id</c>).</param>
public sealed record RecordField(string Name, FieldKind Kind, bool Optional = false, string? Alias = null);

/// <summary>The values of one record's fields, by the field's position in its <see cref="RecordShape{TRow}"/>.</summary>
public struct FieldValues
{
    /// <summary>The most fields a shape may declare.</summary>
    public const int MaxFields = 8;

    private Longs _ids;
    private Doubles _percents;
    private Strings _names;
    private Times _timestamps;

    /// <summary>The id read for field <paramref name="index"/>.</summary>
    public readonly long Id(int index) => _ids[index];

    /// <summary>The percentage read for field <paramref name="index"/>.</summary>
    public readonly double Percent(int index) => _percents[index];

    /// <summary>The name read for field <paramref name="index"/>.</summary>
    public readonly string Name(int index) => _names[index]!;

    /// <summary>The timestamp read for field <paramref name="index"/>; null when it is optional and was absent.</summary>
    public readonly DateTime? Timestamp(int index) => _timestamps[index];

    internal void SetId(int index, long value) => _ids[index] = value;

    internal void SetPercent(int index, double value) => _percents[index] = value;

    internal void SetName(int index, string value) => _names[index] = value;

    internal void SetTimestamp(int index, DateTime? value) => _timestamps[index] = value;

    [InlineArray(MaxFields)]
    private struct Longs
    {
        private long _first;
    }

    [InlineArray(MaxFields)]
    private struct Doubles
    {
        private double _first;
    }

    [InlineArray(MaxFields)]
    private struct Strings
    {
        private string? _first;
    }

    [InlineArray(MaxFields)]
    private struct Times
    {
        private DateTime? _first;
    }
}

/// <summary>Builds a row from its event id and its fields' values.</summary>
public delegate TRow RowFactory<out TRow>(string eventId, in FieldValues values);

/// <summary>
/// A record's shape, declared once (<see cref="RecordShapes"/>): its fields in order, each with its rule, alias and
/// whether it is optional, and how the values make a row. The JSON reader (<see cref="JsonFields"/>) and the CSV reader
/// (<see cref="Backfill.CsvRecords"/>) both read a record by it.
/// </summary>
/// <typeparam name="TRow">The row a valid record becomes.</typeparam>
public sealed class RecordShape<TRow>
{
    /// <summary>A shape of <paramref name="fields"/>, made into rows by <paramref name="create"/>.</summary>
    public RecordShape(IReadOnlyList<RecordField> fields, RowFactory<TRow> create)
    {
        if (fields.Count > FieldValues.MaxFields)
        {
            throw new ArgumentException($"A record shape declares at most {FieldValues.MaxFields} fields.", nameof(fields));
        }
        Fields = fields;
        Create = create;
    }

    /// <summary>The fields, in order; a field's position is its index in <see cref="FieldValues"/>.</summary>
    public IReadOnlyList<RecordField> Fields { get; }

    /// <summary>Makes the row of a record whose every field was valid.</summary>
    public RowFactory<TRow> Create { get; }
}

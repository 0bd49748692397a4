namespace Pipeline.Domain.Schema;

/// <summary>
/// What every engine knows of a table without its row type: the columns in their order (engines write them
/// positionally), and the extras some engine needs. The name is the default one; <see cref="TableNames"/> may
/// point an engine at other tables of the same shape.
/// </summary>
public abstract class TableDeclaration
{
    private protected TableDeclaration(string name, IReadOnlyList<Column> columns)
    {
        Name = name;
        Columns = columns;
        var duplicate = columns.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Table {name} declares column {duplicate.Key} twice.", nameof(columns));
        }
    }

    /// <summary>The default name of the table.</summary>
    public string Name { get; }

    /// <summary>The columns, in the tables' order.</summary>
    public IReadOnlyList<Column> Columns { get; }

    /// <summary>What the table holds, in a sentence (BigQuery's table description).</summary>
    public required string Description { get; init; }

    /// <summary>A TIMESTAMP column whose UTC day partitions the table (BigQuery's <c>PARTITION BY DATE(column)</c>); none when null.</summary>
    public string? PartitionByDay
    {
        get;
        init => field = value is null ? null : Column(value).Type == ColumnType.Timestamp ? value
            : throw new ArgumentException($"Table {Name} is partitioned by day of {value}, which is not a TIMESTAMP.", nameof(PartitionByDay));
    }

    /// <summary>The columns the rows are clustered by (BigQuery's <c>CLUSTER BY</c>).</summary>
    public IReadOnlyList<string> ClusterBy
    {
        get;
        init => field = [.. value.Select(c => Column(c).Name)];
    } = [];

    /// <summary>
    /// Columns that are unique together. DuckDB makes them the primary key, so a row written twice is kept once;
    /// BigQuery enforces no key (its readers de-duplicate instead).
    /// </summary>
    public IReadOnlyList<string> Key
    {
        get;
        init => field = [.. value.Select(c => Column(c).Name)];
    } = [];

    /// <summary>The column of that name; throws when the table has none.</summary>
    public Column Column(string name) =>
        Columns.FirstOrDefault(c => c.Name == name) ?? throw new KeyNotFoundException($"Table {Name} has no column {name}.");

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>A table whose rows are <typeparamref name="TRow"/> objects: each column says how a row gives its value.</summary>
public sealed class TableDeclaration<TRow>(string name, IReadOnlyList<Column<TRow>> columns) : TableDeclaration(name, columns)
{
    /// <summary>The columns with their typed accessors, in the tables' order.</summary>
    public new IReadOnlyList<Column<TRow>> Columns { get; } = columns;
}

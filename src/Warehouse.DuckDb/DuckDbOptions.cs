namespace Pipeline.Warehouse.DuckDb;

/// <summary>Where the embedded database lives and what its tables are called.</summary>
public sealed record DuckDbOptions(string DatabasePath)
{
    public TableNames Tables { get; init; } = new();

    public string ConnectionString => $"Data Source={DatabasePath}";
}

namespace Pipeline.Warehouse.DuckDb;

/// <summary>Where the embedded database lives and what its tables are called.</summary>
public sealed record DuckDbOptions(string DatabasePath)
{
    public TableNames Tables { get; init; } = new();

    /// <summary>Where <c>gs://&lt;bucket&gt;/&lt;object&gt;</c> is found locally: <c>&lt;BucketDirectory&gt;/&lt;object&gt;</c>.</summary>
    public string? BucketDirectory { get; init; }

    public string ConnectionString => $"Data Source={DatabasePath}";
}

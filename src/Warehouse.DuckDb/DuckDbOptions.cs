namespace Pipeline.Warehouse.DuckDb;

/// <summary>Where the embedded database lives and what its tables are called.</summary>
/// <param name="DatabasePath">The DuckDB file; its directory is created on first use.</param>
public sealed record DuckDbOptions(string DatabasePath)
{
    /// <summary>The names of the four tables; the defaults unless set.</summary>
    public TableNames Tables { get; init; } = new();

    /// <summary>Where <c>gs://&lt;bucket&gt;/&lt;object&gt;</c> is found locally: <c>&lt;BucketDirectory&gt;/&lt;object&gt;</c>.</summary>
    public string? BucketDirectory { get; init; }

    /// <summary>The ADO.NET connection string for <see cref="DatabasePath"/>.</summary>
    public string ConnectionString => $"Data Source={DatabasePath}";
}

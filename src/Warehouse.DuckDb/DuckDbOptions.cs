namespace Pipeline.Warehouse.DuckDb;

/// <summary>Where the embedded database lives and what its tables are called.</summary>
/// <param name="DatabasePath">The DuckDB file; its directory is created on first use.</param>
public sealed record DuckDbOptions(string DatabasePath)
{
    /// <summary>The names of the four tables; the defaults unless set.</summary>
    public TableNames Tables { get; init; } = new();

    /// <summary>Where <c>gs://&lt;bucket&gt;/&lt;object&gt;</c> is found locally: <c>&lt;BucketDirectory&gt;/&lt;object&gt;</c>.</summary>
    public string? BucketDirectory { get; init; }

    /// <summary>
    /// How much memory DuckDB's buffer manager may hold (its <c>memory_limit</c>): it caches table data up to this and
    /// spills beyond it. DuckDB's own default is 80% of the machine's memory, which a long-running stack would fill
    /// with cached pages; UserContent answers from memory (<c>FinishedReads</c>) and needs none of them.
    /// </summary>
    public string MemoryLimit { get; init; } = "1GB";

    /// <summary>The ADO.NET connection string for <see cref="DatabasePath"/>.</summary>
    public string ConnectionString => $"Data Source={DatabasePath}";
}

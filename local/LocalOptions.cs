namespace Pipeline.Local;

/// <summary>
/// What the local stack runs with: <c>--port 8000</c>, <c>--data-dir .data</c>, <c>--demo</c>, <c>--warehouse duckdb|bigquery</c>
/// (parsed and checked by <see cref="Commands.LocalCommandLine"/>). Port 0 binds a free port.
/// </summary>
public sealed record LocalOptions(int Port = 8000, string DataDir = ".data", bool Demo = false, string Warehouse = "duckdb")
{
    public bool OnBigQuery => Warehouse == "bigquery";

    public string DatabasePath => Path.Combine(DataDir, "warehouse.duckdb");

    public string DeadLetterDir => Path.Combine(DataDir, "dead-letter");

    /// <summary>The local stand-in for the dump bucket: files under <c>user_interaction/</c> and <c>content_meta/</c> are loaded.</summary>
    public string BucketDir => Path.Combine(DataDir, "bucket");
}

namespace Pipeline.Local;

/// <summary>
/// What the local stack runs with: <c>--port 8000</c>, <c>--project</c>, <c>--data-dir .data</c>, <c>--demo</c>, <c>--warehouse duckdb|bigquery</c>
/// (parsed and checked by <see cref="Commands.LocalCommandLine"/>). Port 0 binds a free port.
/// </summary>
public sealed record LocalOptions(int Port = 8000, string DataDir = ".data", bool Demo = false, string Warehouse = "duckdb")
{
    /// <summary>The functions run on BigQuery (from the environment) instead of the local DuckDB file; no bucket is watched.</summary>
    public bool OnBigQuery => Warehouse == "bigquery";

    /// <summary>The local warehouse: <c>&lt;data-dir&gt;/warehouse.duckdb</c>.</summary>
    public string DatabasePath => Path.Combine(DataDir, "warehouse.duckdb");

    /// <summary>Where messages no function acknowledged are kept (<see cref="PubSub.UndeliveredMessageStore"/>).</summary>
    public string DeadLetterDir => Path.Combine(DataDir, "dead-letter");

    /// <summary>The local stand-in for the dump bucket: files under <c>user_interaction/</c> and <c>content_meta/</c> are loaded.</summary>
    public string BucketDir => Path.Combine(DataDir, "bucket");

    /// <summary>
    /// The Pub/Sub emulator port: gRPC (<c>google.pubsub.v1.Publisher</c>) over HTTP/2 cleartext on 127.0.0.1, for
    /// <c>PUBSUB_EMULATOR_HOST</c>; 8085 as the Cloud SDK's emulator, 0 binds a free port.
    /// </summary>
    public int PubSubPort { get; init; } = 8085;

    /// <summary>
    /// The Google Cloud project the stack plays: the product topics (<c>user-interaction</c>, <c>content-meta</c>)
    /// exist in it only, as they are deployed in one project; the seed's by default.
    /// </summary>
    public string Project { get; init; } = DefaultProject;

    /// <summary>The project the seed's publisher names, <see cref="Project"/>'s default.</summary>
    public const string DefaultProject = "pratilipi-de-assignment";
}

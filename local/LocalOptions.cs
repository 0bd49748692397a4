namespace Pipeline.Local;

/// <summary>The local stack's command line: <c>[--port 8000] [--data-dir .data] [--demo] [--warehouse duckdb|bigquery]</c>.</summary>
public sealed record LocalOptions(int Port = 8000, string DataDir = ".data", bool Demo = false, string Warehouse = "duckdb")
{
    public const string Usage = "[--port 8000] [--data-dir .data] [--demo] [--warehouse duckdb|bigquery]";

    public bool OnBigQuery => Warehouse == "bigquery";

    public string DatabasePath => Path.Combine(DataDir, "warehouse.duckdb");

    public string DeadLetterDir => Path.Combine(DataDir, "dead-letter");

    /// <summary>The local stand-in for the dump bucket: files under <c>user_interaction/</c> and <c>content_meta/</c> are loaded.</summary>
    public string BucketDir => Path.Combine(DataDir, "bucket");

    public static LocalOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LocalOptions();
        for (var i = 0; i < args.Count; i++)
        {
            options = args[i] switch
            {
                "--port" => options with { Port = ParsePort(Value(args, ref i)) },
                "--data-dir" => options with { DataDir = Value(args, ref i) },
                "--demo" => options with { Demo = true },
                "--warehouse" => options with { Warehouse = Value(args, ref i) },
                var other => throw new ArgumentException($"Unknown argument '{other}'. Usage: {Usage}"),
            };
        }
        return options.Warehouse is "duckdb" or "bigquery"
            ? options.OnBigQuery && options.Demo ? throw new ArgumentException("--demo fills the local DuckDB warehouse; it cannot be combined with --warehouse bigquery.") : options
            : throw new ArgumentException($"--warehouse must be duckdb or bigquery, got '{options.Warehouse}'.");
    }

    private static string Value(IReadOnlyList<string> args, ref int i) =>
        ++i < args.Count ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value.");

    private static int ParsePort(string text) =>
        int.TryParse(text, out var port) && port is > 0 and < 65536 ? port : throw new ArgumentException($"--port: '{text}' is not a TCP port.");
}

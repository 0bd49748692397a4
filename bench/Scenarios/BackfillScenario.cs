using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Warehouse.DuckDb;

namespace Pipeline.Bench.Scenarios;

/// <summary>
/// A deterministic interactions dump loaded by the product's backfill path (the one BackfillCsv and <c>load</c> use),
/// then by DuckDB's own <c>read_csv</c> into a table, on the same file.
/// </summary>
public static class BackfillScenario
{
    public static async Task<BenchResult> RunAsync(Sizes sizes, string workDir)
    {
        var file = Path.Combine(workDir, $"interactions-{sizes.BackfillRows}.csv");
        if (!File.Exists(file))
        {
            Generate(file, sizes.BackfillRows);
        }
        var ours = Path.Combine(workDir, "backfill", "ours.duckdb");
        var theirs = Path.Combine(workDir, "backfill", "duckdb.duckdb");
        Fresh(ours);
        Fresh(theirs);

        var clock = Stopwatch.StartNew();
        LoadOutcome outcome;
        await using (var engine = new DuckDbEngine(new DuckDbOptions(ours)))
        {
            outcome = await engine.Backfill.LoadAsync(new CsvLoad("file://" + file, 1, RecordKind.Interaction), new LocalFileSource(file), default);
        }
        var oursSeconds = clock.Elapsed.TotalSeconds;

        clock.Restart();
        await using (var connection = new DuckDBConnection($"Data Source={theirs}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE user_interaction AS SELECT * FROM read_csv(?)";
            command.Parameters.Add(new DuckDBParameter(file));
            await command.ExecuteNonQueryAsync();
        }
        var duckDbSeconds = clock.Elapsed.TotalSeconds;

        var figures = new Dictionary<string, double>
        {
            ["rows"] = sizes.BackfillRows,
            ["rows_loaded"] = outcome.RowsLoaded,
            ["load_s"] = oursSeconds,
            ["rows_per_s"] = outcome.RowsLoaded / oursSeconds,
            ["duckdb_read_csv_s"] = duckDbSeconds,
            ["ratio_to_duckdb"] = oursSeconds / duckDbSeconds,
            ["peak_rss_mb"] = Rss.PeakMegabytes(),
        };
        return new BenchResult("backfill", figures,
        [
            Target.AtLeast(figures, "rows_loaded", sizes.BackfillRows),
            Target.AtLeast(figures, "rows_per_s", 2_000_000),
            Target.AtMost(figures, "ratio_to_duckdb", 1.5),
            Target.AtMost(figures, "peak_rss_mb", 2048),
        ], $"file: {new FileInfo(file).Length / 1e6:F0} MB CSV");
    }

    /// <summary>The same file every time: user, content, read percent, timestamp over a year, from a fixed seed.</summary>
    internal static void Generate(string path, int rows, int seed = 42)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(seed);
        var start = new DateTime(2021, 3, 27, 0, 0, 0, DateTimeKind.Utc);
        using var writer = new StreamWriter(path + ".partial", false, new System.Text.UTF8Encoding(false), 1 << 20);
        writer.Write("user_id,pratilipi_id,read_percent,updated_at\n");
        for (var i = 0; i < rows; i++)
        {
            writer.Write(random.Next(200_000).ToString(CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write(random.Next(100_000).ToString(CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write((random.Next(10_001) / 100.0).ToString(CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write(start.AddSeconds(random.Next(365 * 86400)).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            writer.Write('\n');
        }
        writer.Close();
        File.Move(path + ".partial", path, overwrite: true);
    }

    private static void Fresh(string database)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        File.Delete(database);
        File.Delete(database + ".wal");
    }
}

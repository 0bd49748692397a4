using System.Diagnostics;
using Pipeline.Domain;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Warehouse.BigQuery;

namespace Pipeline.Bench.Scenarios;

/// <summary>
/// Interactions dumps of 1 million and (full size) <see cref="Sizes.BackfillRows"/> rows through the production
/// backfill path — the object streamed through the C# rules, validated rows staged as gzip CSV keyed by line and
/// uploaded in resumable chunks, the commit job — against <see cref="UploadSink"/>, which does no work. The rate bounds
/// the object size one delivery can load within its work deadline; BigQuery's own load and commit jobs come on top.
/// Staged bytes per row are what the upload carries (gzip); CPU seconds are the process's, all cores.
/// </summary>
public static class BigQueryBackfillScenario
{
    public static async Task<BenchResult> RunAsync(Sizes sizes, string workDir)
    {
        var figures = new Dictionary<string, double>();
        var targets = new List<Target>();
        foreach (var rows in new[] { Math.Min(sizes.BackfillRows, 1_000_000), sizes.BackfillRows }.Distinct())
        {
            var label = rows >= 1_000_000 ? $"{rows / 1_000_000}m" : $"{rows / 1000}k";
            await RunOnceAsync(rows, label, workDir, figures);
            targets.Add(Target.AtLeast(figures, $"{label}_rows_loaded", rows));
        }
        figures["peak_rss_mb"] = Rss.PeakMegabytes();
        return new BenchResult("backfill-bigquery", figures, targets, "client side only: BigQuery's load and commit jobs are not included");
    }

    private static async Task RunOnceAsync(int rows, string label, string workDir, Dictionary<string, double> figures)
    {
        var file = Path.Combine(workDir, $"interactions-{rows}.csv");
        if (!File.Exists(file))
        {
            Directory.CreateDirectory(workDir);
            BackfillScenario.Generate(file, rows);
        }
        await using var sink = await UploadSink.StartAsync();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IObjectSource>(new Warehouse.DuckDb.LocalFileSource(file))
            .AddBigQueryWarehouse(new BigQueryOptions("bench", "ds", "EU") { EmulatorRoot = sink.Root, Interactions = new("bench", "ds", "user_interaction"),
                ContentMeta = new("bench", "ds", "content_meta"), IngestErrors = new("bench", "ds", "ingest_errors"), LoadLog = new("bench", "ds", "load_log") });
        await using var provider = services.BuildServiceProvider();
        var backfill = provider.GetRequiredService<CsvBackfill>();

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var outcome = await backfill.LoadAsync(CsvLoad.ForObject("bench", "user_interaction/dump.csv", 1, RecordKind.Interaction), default);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;

        figures[$"{label}_rows_loaded"] = outcome.RowsLoaded;
        figures[$"{label}_load_s"] = seconds;
        figures[$"{label}_rows_per_s"] = outcome.RowsLoaded / seconds;
        figures[$"{label}_rows_per_cpu_s"] = outcome.RowsLoaded / cpuSeconds;
        figures[$"{label}_csv_mb"] = new FileInfo(file).Length / 1e6;
        figures[$"{label}_uploaded_mb"] = sink.BytesUploaded / 1e6;
        figures[$"{label}_staged_bytes_per_row"] = (double)sink.BytesUploaded / Math.Max(1, outcome.RowsLoaded);
        figures[$"{label}_peak_rss_mb"] = Rss.PeakMegabytes();
    }
}

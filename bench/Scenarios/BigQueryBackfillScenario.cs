using System.Diagnostics;
using Pipeline.Domain;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Warehouse.BigQuery;

namespace Pipeline.Bench.Scenarios;

/// <summary>
/// A 1-million-row interactions dump through the production backfill path — the object streamed through the C#
/// rules, validated rows serialised as NDJSON and uploaded in resumable chunks, the commit job — against
/// <see cref="UploadSink"/>, which does no work. The rate bounds the object size one delivery can load within the
/// function's timeout; BigQuery's own load and commit jobs come on top.
/// </summary>
public static class BigQueryBackfillScenario
{
    public static async Task<BenchResult> RunAsync(Sizes sizes, string workDir)
    {
        var rows = Math.Min(sizes.BackfillRows, 1_000_000);
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

        var clock = Stopwatch.StartNew();
        var outcome = await backfill.LoadAsync(CsvLoad.ForObject("bench", "user_interaction/dump.csv", 1, RecordKind.Interaction), default);
        var seconds = clock.Elapsed.TotalSeconds;

        var figures = new Dictionary<string, double>
        {
            ["rows"] = rows,
            ["rows_loaded"] = outcome.RowsLoaded,
            ["load_s"] = seconds,
            ["rows_per_s"] = outcome.RowsLoaded / seconds,
            ["csv_mb"] = new FileInfo(file).Length / 1e6,
            ["uploaded_mb"] = sink.BytesUploaded / 1e6,
            ["peak_rss_mb"] = Rss.PeakMegabytes(),
        };
        return new BenchResult("backfill-bigquery", figures, [Target.AtLeast(figures, "rows_loaded", rows)],
            "client side only: BigQuery's load and commit jobs are not included");
    }
}

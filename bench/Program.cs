using System.Diagnostics;
using System.Text.Json;
using Pipeline.Bench;
using Pipeline.Bench.Scenarios;
using Pipeline.Bench.Scenarios.Query;
using Spectre.Console;

// dotnet run -c Release --project bench -- <ingest|ingest-cpu|freshness|backfill|backfill-burst|backfill-bigquery|backfill-bigquery-100m|query|query-50m|coldstart|all> [--quick] [--out bench/results]
var scenarios = new Dictionary<string, Func<Sizes, string, Task<BenchResult>>>
{
    ["ingest"] = IngestScenario.RunAsync,
    ["ingest-cpu"] = IngestCpuScenario.RunAsync,
    ["freshness"] = FreshnessScenario.RunAsync,
    ["backfill"] = BackfillScenario.RunAsync,
    ["backfill-burst"] = BackfillBurstScenario.RunAsync,
    ["backfill-bigquery"] = BigQueryBackfillScenario.RunAsync,
    // One object of 100 M rows (about 4 GB of CSV), the size issue 19 asks a delivery to fit.
    ["backfill-bigquery-100m"] = (sizes, workDir) => BigQueryBackfillScenario.RunAsync(sizes with { BackfillRows = sizes.BackfillRows * 10 }, workDir),
    ["query"] = QueryScenario.RunAsync,
    ["query-50m"] = QueryScenario.RunLargeAsync,
    ["coldstart"] = ColdStartScenario.RunAsync,
};
return await BenchCommandLine.InvokeAsync(BenchCommandLine.Create(scenarios.Keys, (request, _) => RunAsync(scenarios, request)), args);

static async Task<int> RunAsync(Dictionary<string, Func<Sizes, string, Task<BenchResult>>> scenarios, BenchRequest request)
{
    var (name, quick) = (request.Scenario, request.Quick);
    var outDir = Path.GetFullPath(request.OutDir ?? Path.Combine(Repository.Root(), "bench", "results"));
    var workDir = Path.Combine(Path.GetTempPath(), "pipeline-bench");
    Directory.CreateDirectory(outDir);
    var json = new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    List<BenchResult> results = [];
    if (name == "all")
    {
        // Each scenario in its own process, so each peak RSS is its own.
        foreach (var scenario in scenarios.Keys)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!, Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal)
                ? $"\"{typeof(BenchResult).Assembly.Location}\" {scenario} --out \"{outDir}\"{(quick ? " --quick" : "")}"
                : $"{scenario} --out \"{outDir}\"{(quick ? " --quick" : "")}");
            using var child = Process.Start(start)!;
            await child.WaitForExitAsync();
            var file = Path.Combine(outDir, scenario + ".json");
            if (File.Exists(file))
            {
                results.Add(JsonSerializer.Deserialize<BenchResult>(await File.ReadAllTextAsync(file), json)!);
            }
        }
        await File.WriteAllTextAsync(Path.Combine(outDir, "all.json"), JsonSerializer.Serialize(new
        {
            machine = Machine(),
            quick,
            results,
        }, json));
    }
    else
    {
        var result = await scenarios[name](quick ? Sizes.Quick : Sizes.Full, workDir);
        results.Add(result);
        await File.WriteAllTextAsync(Path.Combine(outDir, name + ".json"), JsonSerializer.Serialize(result, json));
    }

    foreach (var result in results)
    {
        var table = new Table().Title($"{result.Scenario}{(quick ? " (quick)" : "")}").AddColumn("figure").AddColumn(new TableColumn("value").RightAligned()).AddColumn("target");
        foreach (var (figure, value) in result.Figures)
        {
            var target = result.Targets.FirstOrDefault(t => t.Figure == figure);
            table.AddRow(figure, value.ToString(value >= 100 ? "N0" : "0.###", System.Globalization.CultureInfo.InvariantCulture),
                target is null ? "" : $"{(target.Met ? "[green]met[/]" : "[red]missed[/]")} {target.Comparison} {target.Value:0.###}");
        }
        AnsiConsole.Write(table);
        if (result.Note.Length > 0)
        {
            AnsiConsole.MarkupLineInterpolated($"[grey]{result.Note}[/]");
        }
    }
    AnsiConsole.MarkupLineInterpolated($"Figures written to {outDir}");
    return 0;
}

static object Machine() => new
{
    cores = Environment.ProcessorCount,
    memory_gib = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024), 1),
    os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
    runtime = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
    when = DateTimeOffset.UtcNow,
};

namespace Pipeline.Bench
{
    using System.CommandLine;

    /// <summary>What the harness was asked to run: a scenario or <c>all</c>, at full or quick sizes, and where the figures go.</summary>
    /// <param name="Scenario">A scenario's name, or <c>all</c>.</param>
    /// <param name="Quick">Small sizes instead of the full ones.</param>
    /// <param name="OutDir">The directory for the JSON figures; null for <c>bench/results</c> in the repository.</param>
    public sealed record BenchRequest(string Scenario, bool Quick, string? OutDir);

    /// <summary>
    /// The harness's command line, parsed by System.CommandLine: <c>&lt;scenario|all&gt; [--quick] [--out dir]</c>.
    /// <c>--help</c> prints the usage and exits 0; a wrong argument prints the parser's error and a hint to use
    /// <c>--help</c>, and exits 2.
    /// </summary>
    public static class BenchCommandLine
    {
        /// <summary>The exit code of a command line the parser refused.</summary>
        public const int UsageError = 2;

        /// <summary>The name the usage shows.</summary>
        public const string Name = "pipeline-bench";

        /// <summary>The command; <paramref name="run"/> runs the request and returns the exit code.</summary>
        public static RootCommand Create(IEnumerable<string> scenarios, Func<BenchRequest, CancellationToken, Task<int>> run)
        {
            var names = scenarios.Append("all").ToArray();
            var scenario = new Argument<string>("scenario")
            {
                Description = "What to measure: ingest (events/s into IngestInteraction), ingest-cpu (process CPU time per ingested event, in-process: " +
                    "local publish to DuckDB, and the Eventarc request to insertAll), freshness (publish to queryable), " +
                    "backfill (CSV rows/s on DuckDB), backfill-bigquery (rows/s through the BigQuery upload path), query (UserContent " +
                    "over 10 M interactions in random and in time order: p50/p99, throughput at 32, against the seed's SQL), query-50m " +
                    "(the same at 10 M and 50 M: p50 growth, memory, start-up), coldstart (process start to first 200 of each function), or all (each in its own process)",
            };
            scenario.AcceptOnlyFromAmong(names);
            var quick = new Option<bool>("--quick")
            {
                Description = "Small sizes: a smoke run in seconds, not figures to publish",
            };
            var output = new Option<string>("--out")
            {
                Description = "Directory for the JSON figures, one <scenario>.json each (and all.json for all); default bench/results in the repository",
                HelpName = "dir",
            };
            var root = new RootCommand("The benchmark harness: runs a scenario against the local stack, prints its figures against their targets " +
                "and writes them as JSON.")
            {
                scenario, quick, output,
            };
            root.HelpName = Name;
            root.SetAction((result, cancellationToken) =>
                run(new BenchRequest(result.GetRequiredValue(scenario), result.GetValue(quick), result.GetValue(output)), cancellationToken));
            return root;
        }

        /// <summary>Parses <paramref name="args"/> and runs what they ask for; returns the exit code.</summary>
        public static Task<int> InvokeAsync(RootCommand command, IReadOnlyList<string> args, TextWriter? output = null, TextWriter? error = null) =>
            Pipeline.Local.Commands.LocalCommandLine.InvokeAsync(command, args, output, error);
    }
}

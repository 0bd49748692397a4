using System.Diagnostics;
using System.Text.Json;
using Pipeline.Bench;
using Pipeline.Bench.Scenarios;
using Spectre.Console;

// dotnet run -c Release --project bench -- <ingest|freshness|backfill|backfill-bigquery|query|coldstart|all> [--quick] [--out bench/results]
var scenarios = new Dictionary<string, Func<Sizes, string, Task<BenchResult>>>
{
    ["ingest"] = IngestScenario.RunAsync,
    ["freshness"] = FreshnessScenario.RunAsync,
    ["backfill"] = BackfillScenario.RunAsync,
    ["backfill-bigquery"] = BigQueryBackfillScenario.RunAsync,
    ["query"] = QueryScenario.RunAsync,
    ["coldstart"] = ColdStartScenario.RunAsync,
};
var quick = args.Contains("--quick");
var outIndex = Array.IndexOf(args, "--out");
var outDir = Path.GetFullPath(outIndex >= 0 && outIndex + 1 < args.Length ? args[outIndex + 1] : Path.Combine(Repository.Root(), "bench", "results"));
var name = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) && (outIndex < 0 || a != args[outIndex + 1]));
if (name is null || (name != "all" && !scenarios.ContainsKey(name)))
{
    Console.Error.WriteLine($"Usage: bench <{string.Join("|", scenarios.Keys)}|all> [--quick] [--out dir]");
    return 2;
}
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

static object Machine() => new
{
    cores = Environment.ProcessorCount,
    memory_gib = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024), 1),
    os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
    runtime = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
    when = DateTimeOffset.UtcNow,
};

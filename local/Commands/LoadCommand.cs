using System.Diagnostics;
using Pipeline.Warehouse.Backfill;
using Pipeline.Warehouse.DuckDb;
using Pipeline.Warehouse.Ingest;
using Spectre.Console;

namespace Pipeline.Local.Commands;

/// <summary>
/// <c>load &lt;file&gt; --table user_interaction|content_meta [--data-dir .data] [--max-bad-rows 1000]</c>: loads one
/// local dump straight into the local warehouse with a progress bar, by the same rules and exactly-once
/// bookkeeping as BackfillCsv (the object is <c>file://&lt;path&gt;</c>, the generation its modification time).
/// </summary>
public static class LoadCommand
{
    public const string Usage = "load <file.csv|file.csv.gz> --table user_interaction|content_meta [--data-dir .data] [--max-bad-rows 1000]";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        if (!TryParse(args, out var file, out var target, out var dataDir, out var maxBadRows, out var problem))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{problem}[/]\nUsage: {Usage}");
            return 2;
        }
        var path = Path.GetFullPath(file);
        if (!File.Exists(path))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]No such file: {path}[/]");
            return 2;
        }
        var options = new LocalOptions(DataDir: dataDir);
        var generation = (File.GetLastWriteTimeUtc(path) - DateTime.UnixEpoch).Ticks / 10;
        var load = new CsvLoad("file://" + path, generation, target, maxBadRows);
        await using var warehouse = new DuckDbWarehouse(new DuckDbOptions(options.DatabasePath));
        var stopwatch = Stopwatch.StartNew();
        LoadOutcome outcome;
        try
        {
            outcome = await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(Path.GetFileName(path), maxValue: new FileInfo(path).Length);
                    var progress = new Progress<long>(bytes => task.Value = bytes);
                    var result = await warehouse.LoadCsvAsync(load, new LocalFileSource(path, progress), cancellationToken);
                    task.Value = task.MaxValue;
                    return result;
                });
        }
        catch (DuckDB.NET.Data.DuckDBException e) when (e.Message.Contains("lock", StringComparison.OrdinalIgnoreCase))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]The warehouse {options.DatabasePath} is open in another process (is the local stack running?). Stop it, or drop the file into {options.BucketDir}/<prefix>/ instead.[/]");
            return 1;
        }
        var seconds = stopwatch.Elapsed.TotalSeconds;
        AnsiConsole.MarkupLineInterpolated(
            $"{outcome.Status}: {outcome.RowsLoaded:N0} rows loaded, {outcome.RowsRejected:N0} rejected in {seconds:F2} s ({outcome.RowsLoaded / Math.Max(seconds, 1e-9):N0} rows/s){(outcome.Error is null ? "" : " — " + outcome.Error)}");
        return outcome.Status == LoadStatus.Failed ? 1 : 0;
    }

    private static bool TryParse(IReadOnlyList<string> args, out string file, out RecordKind target, out string dataDir, out int maxBadRows, out string problem)
    {
        file = "";
        target = RecordKind.Interaction;
        dataDir = new LocalOptions().DataDir;
        maxBadRows = CsvLoad.DefaultMaxBadRows;
        problem = "";
        string? table = null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--table" when i + 1 < args.Count: table = args[++i]; break;
                case "--data-dir" when i + 1 < args.Count: dataDir = args[++i]; break;
                case "--max-bad-rows" when i + 1 < args.Count && int.TryParse(args[i + 1], out var max) && max >= 0: maxBadRows = max; i++; break;
                case var value when !value.StartsWith("--", StringComparison.Ordinal) && file.Length == 0: file = value; break;
                default: problem = $"Unexpected argument '{args[i]}'."; return false;
            }
        }
        (problem, target) = (file, table) switch
        {
            ("", _) => ("Which file? Give its path.", target),
            (_, "user_interaction") => ("", RecordKind.Interaction),
            (_, "content_meta") => ("", RecordKind.ContentCategory),
            _ => ("--table must be user_interaction or content_meta.", target),
        };
        return problem.Length == 0;
    }
}

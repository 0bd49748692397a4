using System.Diagnostics;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Warehouse.DuckDb;
using Spectre.Console;

namespace Pipeline.Local.Commands;

/// <summary>What <c>load</c> was asked to do (parsed by <see cref="LocalCommandLine"/>).</summary>
/// <param name="File">The dump, <c>.csv</c> or <c>.csv.gz</c>; it exists.</param>
/// <param name="Target">The table it fills.</param>
/// <param name="DataDir">The local stack's data directory (the warehouse is <c>warehouse.duckdb</c> in it).</param>
/// <param name="MaxBadRows">Bad rows allowed before the file fails whole.</param>
public sealed record LoadRequest(FileInfo File, RecordKind Target, string DataDir, int MaxBadRows);

/// <summary>
/// <c>load &lt;file&gt; --table user_interaction|content_meta [--data-dir .data] [--max-bad-rows 1000]</c>: loads one
/// local dump straight into the local warehouse with a progress bar, by the same rules and exactly-once
/// bookkeeping as BackfillCsv (the object is <c>file://&lt;path&gt;</c>, the generation its modification time).
/// </summary>
public static class LoadCommand
{
    /// <summary>
    /// Runs the load and prints its outcome. Exit code 0 when the file is loaded or skipped, 1 when it fails or the
    /// warehouse is held by another process, <see cref="LocalCommandLine.UsageError"/> when the file is gone.
    /// </summary>
    public static async Task<int> RunAsync(LoadRequest request, CancellationToken cancellationToken)
    {
        var path = request.File.FullName;
        if (!File.Exists(path))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]No such file: {path}[/]");
            return LocalCommandLine.UsageError;
        }
        var options = new LocalOptions(DataDir: request.DataDir);
        var generation = (File.GetLastWriteTimeUtc(path) - DateTime.UnixEpoch).Ticks / 10;
        var load = new CsvLoad("file://" + path, generation, request.Target, request.MaxBadRows);
        await using var engine = new DuckDbEngine(new DuckDbOptions(options.DatabasePath));
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
                    var result = await engine.Backfill.LoadAsync(load, new LocalFileSource(path, progress), cancellationToken);
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
}

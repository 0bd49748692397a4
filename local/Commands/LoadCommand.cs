using System.Diagnostics;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Functions.BackfillCsv;
using Pipeline.Local.Bucket;
using Pipeline.Local.Storage;
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
/// <c>load &lt;file&gt; --table user_interaction|content_meta [--data-dir .data] [--max-bad-rows 1000]</c>: copies one
/// local dump into the local bucket as <c>user_interaction/&lt;file name&gt;</c> (or <c>content_meta/…</c>), as an upload
/// would (one object, one generation; nothing is copied when the object already holds the same bytes), then loads that
/// object generation into the local warehouse with a progress bar, by the same rules and exactly-once bookkeeping as
/// BackfillCsv. So a dump loaded this way and dropped into the bucket is one object, loaded once: the watcher finds its
/// generation in the load_log, and a second <c>load</c> of the same bytes is <c>skipped</c>.
/// </summary>
public static class LoadCommand
{
    /// <summary>
    /// Runs the load and prints its outcome. Exit code 0 when the file is loaded or skipped, 1 when it fails or the
    /// warehouse is held by another process, <see cref="LocalCommandLine.UsageError"/> when the file is gone or its name is no dump's (not <c>.csv</c> or <c>.csv.gz</c>).
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
        var backfill = BackfillOptions.From(new ConfigurationBuilder().AddEnvironmentVariables().Build());
        var name = (request.Target == RecordKind.Interaction ? backfill.InteractionPrefix : backfill.ContentPrefix) + Path.GetFileName(path);
        if (backfill.WhyIgnored(name) is { } ignored)
        {
            // BackfillCsv would never load this object: it is refused here rather than loaded once and listed ignored.
            AnsiConsole.MarkupLineInterpolated($"[red]{path} would be the object {name}, which BackfillCsv does not load: {ignored}.[/]");
            return LocalCommandLine.UsageError;
        }
        var bucket = new BucketStore(options, TimeProvider.System);
        var (stored, created) = await bucket.PutFileAsync(name, path, cancellationToken);
        var objectUri = $"gs://{LocalBucketWatcher.BucketName}/{name}";
        AnsiConsole.MarkupLineInterpolated(
            $"{(created ? "Copied into the bucket as" : "The bucket already holds these bytes as")} {objectUri}#{stored.Generation}");
        var load = CsvLoad.ForObject(LocalBucketWatcher.BucketName, name, stored.Generation, request.Target, request.MaxBadRows);
        var objectPath = bucket.PathOf(name);
        var stopwatch = Stopwatch.StartNew();
        LoadOutcome outcome;
        try
        {
            await using var engine = new DuckDbEngine(new DuckDbOptions(options.DatabasePath));
            outcome = await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(Path.GetFileName(path), maxValue: stored.Size);
                    var progress = new Progress<long>(bytes => task.Value = bytes);
                    var result = await engine.Backfill.LoadAsync(load, new LocalFileSource(objectPath, progress), cancellationToken);
                    task.Value = task.MaxValue;
                    return result;
                });
        }
        catch (DuckDB.NET.Data.DuckDBException e) when (e.Message.Contains("lock", StringComparison.OrdinalIgnoreCase))
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]The warehouse {options.DatabasePath} is open in another process, the local stack: it loads {objectUri} from its bucket; see /local/loads.[/]");
            return 1;
        }
        var seconds = stopwatch.Elapsed.TotalSeconds;
        AnsiConsole.MarkupLineInterpolated(
            $"{outcome.Status}: {outcome.RowsLoaded:N0} rows loaded, {outcome.RowsRejected:N0} rejected in {seconds:F2} s ({outcome.RowsLoaded / Math.Max(seconds, 1e-9):N0} rows/s){(outcome.Error is null ? "" : " — " + outcome.Error)}");
        return outcome.Status == LoadStatus.Failed ? 1 : 0;
    }
}

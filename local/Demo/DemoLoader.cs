using System.Globalization;
using Pipeline.Domain;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Local.Bucket;

namespace Pipeline.Local.Demo;

/// <summary>
/// <c>--demo</c>: writes the <see cref="DemoDataset"/> as two CSV dumps into the local bucket (once) and loads
/// them before the stack starts, exactly as BackfillCsv would, so the seed's URL answers at once. The bucket
/// watcher later sees the same generations and does not announce them. A restart with <c>--demo</c> finds both
/// generations in the load_log and loads nothing, adding no row (as the watcher adds none at a restart).
/// </summary>
public sealed class DemoLoader(CsvBackfill backfill, IWarehouseInspection inspection, LocalOptions options, ILogger<DemoLoader> logger)
{
    /// <summary>The content-meta dump's object name in the local bucket.</summary>
    public const string ContentObject = "content_meta/demo-content-meta.csv";

    /// <summary>The interaction dump's object name in the local bucket.</summary>
    public const string InteractionObject = "user_interaction/demo-user-interaction.csv";

    /// <summary>
    /// Writes each dump unless it is already there, then loads it through the backfill (<see cref="CsvBackfill"/>) unless
    /// the load_log already has a row for its generation (a restart): then nothing is loaded nor recorded.
    /// </summary>
    public async Task LoadAsync(DemoDataset dataset, CancellationToken cancellationToken)
    {
        await LoadAsync(ContentObject, RecordKind.ContentMeta, writer =>
        {
            writer.WriteLine("content_id,category_name");
            foreach (var row in dataset.ContentMeta())
            {
                writer.WriteLine(FormattableString.Invariant($"{row.ContentId},{row.CategoryName}"));
            }
        }, cancellationToken);
        await LoadAsync(InteractionObject, RecordKind.Interaction, writer =>
        {
            writer.WriteLine("user_id,pratilipi_id,read_percent,updated_at");
            foreach (var row in dataset.Interactions())
            {
                writer.WriteLine(FormattableString.Invariant($"{row.UserId},{row.ContentId},{row.ReadPercent},{row.UpdatedAt:yyyy-MM-dd HH:mm:ss}"));
            }
        }, cancellationToken);
    }

    private async Task LoadAsync(string objectName, RecordKind target, Action<TextWriter> write, CancellationToken cancellationToken)
    {
        var path = Path.Combine(options.BucketDir, objectName);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var partial = path + ".partial";
            await using (var writer = new StreamWriter(partial))
            {
                write(writer);
            }
            File.Move(partial, path);
        }
        var generation = (File.GetLastWriteTimeUtc(path) - DateTime.UnixEpoch).Ticks / 10;
        var load = CsvLoad.ForObject(LocalBucketWatcher.BucketName, objectName, generation, target);
        var generationText = generation.ToString(CultureInfo.InvariantCulture);
        if ((await inspection.ReadLoadLogAsync(cancellationToken)).Any(e => e.Object == load.ObjectUri && e.Generation == generationText))
        {
            logger.LogInformation("Demo dump {Object}: loaded before (generation {Generation}), nothing to do", objectName, generationText);
            return;
        }
        var outcome = await backfill.LoadAsync(load, cancellationToken);
        logger.LogInformation("Demo dump {Object}: {Status}, {Rows} rows", objectName, outcome.Status,
            outcome.RowsLoaded.ToString(CultureInfo.InvariantCulture));
    }
}

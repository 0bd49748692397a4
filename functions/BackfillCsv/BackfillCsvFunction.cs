using CloudNative.CloudEvents;
using Pipeline.Domain;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Events.Protobuf.Cloud.Storage.V1;
using Pipeline.Functions.Framework;
using Pipeline.Functions.Hosting;
using Pipeline.Ingestion;

namespace Pipeline.Functions.BackfillCsv;

/// <summary>
/// Eventarc trigger on "object finalized" in the dump bucket: loads <c>user_interaction/*.csv[.gz]</c> and
/// <c>content_meta/*.csv[.gz]</c> exactly once per object generation (docs/semantics.md). Every other object or event is
/// acknowledged and ignored with one log line; the outcome of each load is a <c>load_log</c> row. An untyped
/// function: it decodes the <c>StorageObjectData</c> itself, so that an unreadable event is dead-lettered and
/// acknowledged rather than answered 400 and redelivered.
/// </summary>
/// <param name="backfill">Loads the object.</param>
/// <param name="warehouse">Stores the dead letter of an unreadable event.</param>
/// <param name="options">Which prefixes load into which table, and the bad-row limit.</param>
/// <param name="clock">Stamps dead letters.</param>
/// <param name="logger">One line per event.</param>
[FunctionsStartup(typeof(Startup))]
public sealed class BackfillCsvFunction(
    CsvBackfill backfill, IWarehouse warehouse, BackfillOptions options, TimeProvider clock, ILogger<BackfillCsvFunction> logger)
    : ICloudEventFunction
{
    /// <inheritdoc />
    public async Task HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        if (cloudEvent.Type != EventTypes.ObjectFinalized)
        {
            logger.LogInformation("Ignored event {EventId}: type {EventType} is not {Expected}", cloudEvent.Id, cloudEvent.Type, EventTypes.ObjectFinalized);
            return;
        }
        if (!CloudEventDecoding.TryDecode<StorageObjectData>(cloudEvent, DeadLetterSources.BackfillCsv, clock.GetUtcNow().UtcDateTime, out var data, out var deadLetter))
        {
            await DeadLetterAsync(cloudEvent, deadLetter, cancellationToken);
            return;
        }
        var (bucket, name, generation) = (data.Bucket, data.Name, data.Generation);
        if (bucket.Length == 0 || name.Length == 0 || generation <= 0)
        {
            await DeadLetterAsync(cloudEvent, CloudEventDecoding.DeadLetter(cloudEvent, DeadLetterSources.BackfillCsv, cloudEvent.Id ?? "",
                "the finalized object has no bucket, name or generation", clock.GetUtcNow().UtcDateTime), cancellationToken);
            return;
        }
        if (options.TargetOf(name) is not { } target)
        {
            logger.LogInformation("Ignored gs://{Bucket}/{Object}: not a .csv or .csv.gz under {InteractionPrefix} or {ContentPrefix}",
                bucket, name, options.InteractionPrefix, options.ContentPrefix);
            return;
        }
        var load = CsvLoad.ForObject(bucket, name, generation, target, options.MaxBadRows);
        var outcome = await backfill.LoadAsync(load, cancellationToken);
        logger.Log(outcome.Status == LoadStatus.Failed ? LogLevel.Warning : LogLevel.Information,
            "Backfill {Object}#{Generation} {Status}: {RowsLoaded} rows loaded, {RowsRejected} rejected{Error}",
            load.ObjectUri, generation, outcome.Status, outcome.RowsLoaded, outcome.RowsRejected,
            outcome.Error is null ? "" : "; " + outcome.Error);
    }

    /// <summary>A payload that is not a storage object: kept whole in the dead-letter table, then acknowledged.</summary>
    private async Task DeadLetterAsync(CloudEvent cloudEvent, IngestBatch deadLetter, CancellationToken cancellationToken)
    {
        logger.LogWarning("Dead-lettered event {EventId}: {Reason}", cloudEvent.Id, deadLetter.DeadLetters[0].Error);
        await warehouse.WriteAsync(deadLetter, cancellationToken);
    }
}

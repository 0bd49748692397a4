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
    /// <summary>
    /// Handles one delivery. <paramref name="cancellationToken"/> (the request's) only cancels the dead-letter write
    /// of an unreadable event; a load runs until <see cref="BackfillOptions.WorkDeadline"/>.
    /// </summary>
    /// <param name="cloudEvent">The event.</param>
    /// <param name="cancellationToken">The request's abort.</param>
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
            // Acknowledged: a redelivery would not change the name. The local stack lists it in /local/loads by the same rule.
            logger.LogWarning("Ignored gs://{Bucket}/{Object}#{Generation}: {Reason}", bucket, name, generation, options.WhyIgnored(name));
            return;
        }
        var load = CsvLoad.ForObject(bucket, name, generation, target, options.MaxBadRows) with
        {
            ObjectBytes = data.Size > 0 ? data.Size : null,
            MaxObjectBytes = options.MaxObjectBytes,
        };
        // The work runs to its own deadline, not the request's: Pub/Sub drops a push after its ack deadline (600 s)
        // and delivers the event again while this load goes on; the redelivery waits for this one or finds its jobs.
        using var deadline = new CancellationTokenSource(options.WorkDeadline, clock);
        var outcome = await backfill.LoadAsync(load, deadline.Token);
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

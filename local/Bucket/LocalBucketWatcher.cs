using System.Globalization;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Pipeline.Domain;
using Pipeline.EventarcRequests;
using Pipeline.Events.Protobuf.Cloud.Storage.V1;
using Pipeline.Functions.BackfillCsv;
using Pipeline.Local.Storage;

namespace Pipeline.Local.Bucket;

/// <summary>
/// Plays Eventarc for the local bucket (<see cref="BucketStore"/>, <c>&lt;data-dir&gt;/bucket/</c>): each new version of an
/// object is sent to BackfillCsv once as an "object finalized" event, with the generation its metadata record holds.
/// An upload through the JSON API is announced as soon as it completes (<see cref="ObjectFinalized"/>); a file dropped
/// into the directory once it is fully written (size and modification time unchanged over one poll). At start, an
/// object whose (object, generation) already has a <c>load_log</c> row is not announced again. Objects due together are
/// delivered at once, up to <see cref="AnnounceOptions.MaxConcurrentDeliveries"/> (the cores); the rest wait their turn
/// here, and none is refused for lack of room. A delivery that is not acknowledged is retried with back-off,
/// <see cref="AnnounceOptions.MaxAttempts"/> times in all; then the watcher gives
/// up on that version and logs an error naming it, its last answer and what to do (until the file changes or the
/// stack restarts, it is not announced again). An object BackfillCsv does not load is still announced, as Eventarc
/// does, and listed in <see cref="IgnoredObjects"/> with the reason and the name it would need.
/// </summary>
public sealed class LocalBucketWatcher(
    BucketStore bucket, FunctionInvoker invoker, IWarehouseInspection inspection, AnnounceOptions announce, BackfillOptions backfill,
    IgnoredObjects ignored, TimeProvider clock, ILogger<LocalBucketWatcher> logger)
    : BackgroundService
{
    /// <summary>The bucket the events name: objects are <c>gs://local-bucket/&lt;path under the bucket directory&gt;</c>.</summary>
    public const string BucketName = "local-bucket";
    private const string FunctionName = "BackfillCsv";
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Each object's version as last seen, and whether it was announced; touched by one pass at a time.</summary>
    private readonly Dictionary<string, ObjectState> _objects = new(StringComparer.Ordinal);
    // Completed uploads, and null when a delivery was answered: either starts the next pass at once.
    private readonly Channel<StoredObject?> _finalized = Channel.CreateUnbounded<StoredObject?>();
    private readonly SemaphoreSlim _pass = new(1, 1);
    private readonly SemaphoreSlim _deliverySlots = new(announce.MaxConcurrentDeliveries, announce.MaxConcurrentDeliveries);

    /// <summary>Deliveries answered since the last pass, applied to <see cref="_objects"/> by the next one.</summary>
    private readonly System.Collections.Concurrent.ConcurrentQueue<Answer> _answers = new();

    /// <summary>Deliveries under way: started by a pass and not yet answered.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, bool> _inFlight = new();

    /// <summary>The (object, generation) pairs the load_log had at start: those versions are not announced again.</summary>
    private HashSet<(string Object, string Generation)>? _loggedAtStart;

    /// <summary>An upload completed as <paramref name="stored"/>: announced on the next pass, which starts now.</summary>
    public void ObjectFinalized(StoredObject stored) => _finalized.Writer.TryWrite(stored);

    /// <summary>Polls the bucket every half second, and at once when an upload completes, until the host stops.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Watching {BucketDir} for CSV dumps", bucket.Root);
        using var timer = new PeriodicTimer(s_pollInterval, clock);
        Task<bool>? tick = null;
        Task<bool>? upload = null;
        try
        {
            while (true)
            {
                tick ??= timer.WaitForNextTickAsync(stoppingToken).AsTask();
                upload ??= _finalized.Reader.WaitToReadAsync(stoppingToken).AsTask();
                var woken = await Task.WhenAny(tick, upload);
                if (!await woken)
                {
                    return;
                }
                if (woken == tick)
                {
                    tick = null;
                }
                else
                {
                    upload = null;
                }
                await PassOnceAsync(stoppingToken);
            }
        }
        finally
        {
            // Stopping: the deliveries under way see the token; the warehouse is closed only after they end.
            await Task.WhenAll(_inFlight.Keys).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// One pass over the bucket, returning once every delivery under way (this pass's and earlier ones') is answered;
    /// the answers are applied by the next pass. Public so tests can drive the watcher without waiting.
    /// </summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        await PassOnceAsync(cancellationToken);
        await Task.WhenAll(_inFlight.Keys);
    }

    /// <summary>One pass at a time; the deliveries it starts are not waited for.</summary>
    private async Task PassOnceAsync(CancellationToken cancellationToken)
    {
        await _pass.WaitAsync(cancellationToken);
        try
        {
            await PassAsync(cancellationToken);
        }
        finally
        {
            _pass.Release();
        }
    }

    private async Task PassAsync(CancellationToken cancellationToken)
    {
        _loggedAtStart ??= await ReadLoadLogAsync(cancellationToken);
        while (_answers.TryDequeue(out var answer))
        {
            // The answer counts only if the object is still at the version delivered (not rewritten or gone meanwhile).
            if (_objects.TryGetValue(answer.Name, out var current) && ReferenceEquals(current.Object, answer.State.Object) && current.InFlight)
            {
                _objects[answer.Name] = Answered(answer.Name, current with { InFlight = false }, answer.Status, answer.At);
            }
        }
        var now = clock.GetUtcNow();
        while (_finalized.Reader.TryRead(out var uploaded))
        {
            if (uploaded is null)
            {
                continue;
            }
            // Complete and described: due at once, unless this pass or an earlier one already took this generation.
            if (!_objects.TryGetValue(uploaded.Name, out var known) || known.Object?.Generation != uploaded.Generation)
            {
                _objects[uploaded.Name] = new ObjectState(uploaded.File, uploaded, Delivered: false, Failures: 0, NextAttempt: now);
                NoteIfIgnored(uploaded);
            }
        }
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in bucket.Names())
        {
            present.Add(name);
            if (ObjectFile.At(bucket.PathOf(name)) is not { } seen)
            {
                continue;
            }
            if (!_objects.TryGetValue(name, out var state) || state.File != seen)
            {
                // New or changed on disk: due once it stood still over one poll.
                _objects[name] = new ObjectState(seen, null, Delivered: false, Failures: 0, NextAttempt: now + s_pollInterval);
                continue;
            }
            if (now < state.NextAttempt || state.Delivered || state.InFlight)
            {
                continue;
            }
            if (state.Object is null)
            {
                if (await bucket.DescribeAsync(name, seen, cancellationToken) is not { } described)
                {
                    _objects.Remove(name);
                    continue;
                }
                var logged = _loggedAtStart.Contains((ObjectUri(name), described.Generation.ToString(CultureInfo.InvariantCulture)));
                if (logged)
                {
                    logger.LogDebug("Not announcing {Object}#{Generation}: the load_log has it", ObjectUri(name), described.Generation);
                }
                NoteIfIgnored(described);
                _objects[name] = state = state with { Object = described, Delivered = logged };
                if (logged)
                {
                    continue;
                }
            }
            _objects[name] = state = state with { InFlight = true };
            Deliver(name, state, cancellationToken);
        }
        foreach (var gone in _objects.Keys.Where(name => !present.Contains(name)).ToList())
        {
            _objects.Remove(gone);
            ignored.Remove(gone);
        }
    }

    /// <summary>Lists a version BackfillCsv does not load in <see cref="IgnoredObjects"/>, and forgets one it loads.</summary>
    private void NoteIfIgnored(StoredObject version)
    {
        if (backfill.WhyIgnored(version.Name) is { } reason)
        {
            ignored.Add(version.Name, version.Generation, reason, version.TimeCreated);
        }
        else
        {
            ignored.Remove(version.Name);
        }
    }

    /// <summary>
    /// Delivers one version once a delivery slot is free, and queues BackfillCsv's answer for the next pass (which
    /// starts at once, so that a retry or the next object does not wait for the poll).
    /// </summary>
    private void Deliver(string name, ObjectState state, CancellationToken cancellationToken)
    {
        var delivery = Task.Run(async () =>
        {
            var status = StatusCodes.Status503ServiceUnavailable;
            try
            {
                await _deliverySlots.WaitAsync(cancellationToken);
                try
                {
                    status = await invoker.InvokeAsync(FunctionName, FinalizedEvent(state.Object!), cancellationToken);
                }
                finally
                {
                    _deliverySlots.Release();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            _answers.Enqueue(new Answer(name, state, status, clock.GetUtcNow()));
            _finalized.Writer.TryWrite(null);
        }, CancellationToken.None);
        _inFlight[delivery] = true;
        _ = delivery.ContinueWith(done => _inFlight.TryRemove(done, out _), TaskScheduler.Default);
    }

    /// <summary>
    /// The version's state after BackfillCsv answered <paramref name="status"/>: delivered on a 2xx; otherwise due again
    /// after the back-off, or, once <see cref="AnnounceOptions.MaxAttempts"/> deliveries failed, given up (and logged).
    /// </summary>
    private ObjectState Answered(string name, ObjectState state, int status, DateTimeOffset now)
    {
        if (status is >= 200 and < 300)
        {
            return state with { Delivered = true, Failures = 0 };
        }
        var failures = state.Failures + 1;
        var generation = state.Object!.Generation;
        if (failures >= announce.MaxAttempts)
        {
            logger.LogError("{Function} did not acknowledge {Object}#{Generation} in {Attempts} attempts (last answer {Status}; its error is "
                + "logged above); the watcher gives up on this version. Fix the cause, then write the file again (or upload it: a new "
                + "generation) or restart the stack, which announces every object the load_log has no row for",
                FunctionName, ObjectUri(name), generation, failures, status);
            return state with { Delivered = true, Failures = failures };
        }
        var wait = announce.Backoff.Delay(failures);
        logger.LogWarning("{Function} answered {Status} for {Object}#{Generation} (attempt {Attempt} of {MaxAttempts}); retrying in {Wait}",
            FunctionName, status, ObjectUri(name), generation, failures, announce.MaxAttempts, wait);
        return state with { Failures = failures, NextAttempt = now + wait };
    }

    /// <summary>The load_log's (object, generation) pairs; none when it cannot be read (every object is then announced).</summary>
    private async Task<HashSet<(string, string)>> ReadLoadLogAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await inspection.ReadLoadLogAsync(cancellationToken)).Select(e => (e.Object, e.Generation)).ToHashSet();
        }
        catch (Exception e) when (e is DuckDB.NET.Data.DuckDBException or IOException)
        {
            logger.LogWarning(e, "The load_log could not be read; every object of the bucket is announced");
            return [];
        }
    }

    private static string ObjectUri(string name) => $"gs://{BucketName}/{name}";

    private static EventarcRequest FinalizedEvent(StoredObject stored)
    {
        var time = Timestamp.FromDateTimeOffset(stored.TimeCreated);
        var storageObject = new StorageObjectData
        {
            Bucket = BucketName,
            Name = stored.Name,
            Generation = stored.Generation,
            Metageneration = stored.Metageneration,
            Size = stored.Size,
            ContentType = stored.ContentType,
            Md5Hash = stored.Md5Hash,
            Crc32C = stored.Crc32c,
            Etag = StorageResources.ETagOf(stored),
            StorageClass = "STANDARD",
            TimeCreated = time,
            Updated = time,
            Kind = "storage#object",
            Id = $"{BucketName}/{stored.Name}/{stored.Generation}",
        };
        foreach (var (key, value) in stored.Metadata ?? new Dictionary<string, string>())
        {
            storageObject.Metadata[key] = value;
        }
        return EventarcRequest.ForFinalizedObject(storageObject, eventId: storageObject.Id);
    }

    /// <summary>An object's version as the watcher knows it.</summary>
    /// <param name="File">The file version last seen.</param>
    /// <param name="Object">Its metadata record, once the version is complete; null while a dropped file may still be written.</param>
    /// <param name="Delivered">Whether it is announced no more: BackfillCsv acknowledged it, the load_log had it at start, or every attempt failed.</param>
    /// <param name="Failures">Unacknowledged deliveries in a row.</param>
    /// <param name="NextAttempt">When it may be delivered next.</param>
    /// <param name="InFlight">Whether a delivery of it is under way (or waits for a slot); it is not delivered again meanwhile.</param>
    private sealed record ObjectState(ObjectFile File, StoredObject? Object, bool Delivered, int Failures, DateTimeOffset NextAttempt, bool InFlight = false);

    /// <summary>BackfillCsv's answer to one delivery.</summary>
    /// <param name="Name">The object.</param>
    /// <param name="State">The state it was delivered in.</param>
    /// <param name="Status">The status answered.</param>
    /// <param name="At">When.</param>
    private sealed record Answer(string Name, ObjectState State, int Status, DateTimeOffset At);
}

using Google.Protobuf.WellKnownTypes;
using Pipeline.Eventarc;
using Pipeline.Events.Protobuf.Cloud.Storage.V1;

namespace Pipeline.Local.Bucket;

/// <summary>
/// Plays Cloud Storage + Eventarc for <c>&lt;data-dir&gt;/bucket/</c>: every file found there, at start-up or later,
/// is sent to BackfillCsv as an "object finalized" event once it is fully written (size and modification time
/// unchanged over one poll). The generation is the modification time in microseconds, so rewriting a file makes
/// a new generation. A delivery that is not acknowledged is retried with back-off.
/// </summary>
public sealed class LocalBucketWatcher(
    LocalOptions options, FunctionInvoker invoker, TimeProvider clock, ILogger<LocalBucketWatcher> logger) : BackgroundService
{
    /// <summary>The bucket the events name: objects are <c>gs://local-bucket/&lt;path under the bucket directory&gt;</c>.</summary>
    public const string BucketName = "local-bucket";
    private const string FunctionName = "BackfillCsv";
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(500);

    private readonly Dictionary<string, FileState> _files = new(StringComparer.Ordinal);

    /// <summary>Creates the bucket directory if need be, then polls it every half second until the host stops.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Directory.CreateDirectory(options.BucketDir);
        logger.LogInformation("Watching {BucketDir} for CSV dumps", Path.GetFullPath(options.BucketDir));
        using var timer = new PeriodicTimer(s_pollInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await PollAsync(stoppingToken);
        }
    }

    /// <summary>One pass over the bucket directory; public so tests can drive it without waiting.</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        foreach (var path in Directory.EnumerateFiles(options.BucketDir, "*", SearchOption.AllDirectories))
        {
            FileSnapshot seen;
            try
            {
                var info = new FileInfo(path);
                seen = new FileSnapshot(info.Length, info.LastWriteTimeUtc);
            }
            catch (IOException)
            {
                // Gone (or going) between the listing and the look: the next pass sees what is there.
                _files.Remove(path);
                continue;
            }
            if (!_files.TryGetValue(path, out var state) || state.Snapshot != seen)
            {
                _files[path] = new FileState(seen, Delivered: false, Failures: 0, NextAttempt: now + s_pollInterval);
                continue;
            }
            if (state.Delivered || now < state.NextAttempt)
            {
                continue;
            }
            var status = await invoker.InvokeAsync(FunctionName, FinalizedEvent(path, seen), cancellationToken);
            var failures = status is >= 200 and < 300 ? 0 : state.Failures + 1;
            if (failures > 0)
            {
                logger.LogWarning("{Function} answered {Status} for {Path}; retrying", FunctionName, status, path);
            }
            _files[path] = state with
            {
                Delivered = failures == 0,
                Failures = failures,
                NextAttempt = now + TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, failures))),
            };
        }
    }

    private EventarcRequest FinalizedEvent(string path, FileSnapshot file)
    {
        var name = Path.GetRelativePath(options.BucketDir, path).Replace(Path.DirectorySeparatorChar, '/');
        var generation = (file.ModifiedUtc - DateTime.UnixEpoch).Ticks / 10;
        var storageObject = new StorageObjectData
        {
            Bucket = BucketName,
            Name = name,
            Generation = generation,
            Metageneration = 1,
            Size = file.Length,
            ContentType = name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? "application/gzip" : "text/csv",
            TimeCreated = Timestamp.FromDateTime(file.ModifiedUtc),
            Updated = Timestamp.FromDateTime(file.ModifiedUtc),
            Kind = "storage#object",
            Id = $"{BucketName}/{name}/{generation}",
        };
        return EventarcRequest.ForFinalizedObject(storageObject, eventId: storageObject.Id);
    }

    private readonly record struct FileSnapshot(long Length, DateTime ModifiedUtc);

    private sealed record FileState(FileSnapshot Snapshot, bool Delivered, int Failures, DateTimeOffset NextAttempt);
}

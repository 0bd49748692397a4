using Pipeline.Domain.Backfill;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// Cloud Storage played by a local directory: <c>gs://&lt;any bucket&gt;/&lt;object&gt;</c> is
/// <c>&lt;directory&gt;/&lt;object&gt;</c>. A name that leaves the directory is refused; the file's current bytes stand
/// for the generation the event names (the local bucket keeps no older generations).
/// </summary>
/// <param name="directory">The directory that stands for the bucket; null when none is configured, and every read fails.</param>
public sealed class BucketDirectorySource(string? directory) : IObjectSource
{
    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(CsvLoad load, CancellationToken cancellationToken)
    {
        const string scheme = "gs://";
        var slash = load.ObjectUri.IndexOf('/', scheme.Length);
        if (directory is null)
        {
            throw new InvalidOperationException($"No local bucket directory is configured (DUCKDB_BUCKET_DIR), so {load.ObjectUri} cannot be read.");
        }
        if (!load.ObjectUri.StartsWith(scheme, StringComparison.Ordinal) || slash < 0)
        {
            throw new CsvFileException($"{load.ObjectUri} is not an object of the local bucket directory");
        }
        var root = Path.GetFullPath(directory) + Path.DirectorySeparatorChar;
        var path = Path.GetFullPath(Path.Combine(root, load.ObjectUri[(slash + 1)..]));
        return path.StartsWith(root, StringComparison.Ordinal)
            ? Task.FromResult<Stream>(LocalFileSource.Open(path))
            : throw new CsvFileException($"{load.ObjectUri} names a path outside the bucket directory");
    }
}

/// <summary>One local file, whatever the load's object name (the <c>load</c> command, the benchmark).</summary>
/// <param name="path">The file read for every load.</param>
/// <param name="progress">Told the bytes read so far, now and then.</param>
public sealed class LocalFileSource(string path, IProgress<long>? progress = null) : IObjectSource
{
    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(CsvLoad load, CancellationToken cancellationToken) =>
        Task.FromResult<Stream>(progress is null ? Open(path) : new ProgressStream(Open(path), progress));

    internal static FileStream Open(string path) => new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);

    /// <summary>Reads through to the file and reports its position every 4 MiB, and at the end.</summary>
    private sealed class ProgressStream(FileStream file, IProgress<long> progress) : ReadThroughStream(file)
    {
        private long _reported;

        protected override void OnRead(int bytes)
        {
            if (file.Position - _reported >= 4 << 20)
            {
                _reported = file.Position;
                progress.Report(_reported);
            }
        }

        protected override void OnDispose() => progress.Report(file.Position);
    }
}

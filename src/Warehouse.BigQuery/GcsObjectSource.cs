using System.IO.Pipelines;
using Google.Cloud.Storage.V1;
using Pipeline.Domain.Backfill;

namespace Pipeline.Warehouse.BigQuery;

/// <summary>
/// Objects in Cloud Storage, read with Google.Cloud.Storage.V1 (which honours <c>STORAGE_EMULATOR_HOST</c>). The
/// exact generation of the event is read, streamed through a pipe so that parsing starts with the first bytes and
/// memory stays bounded. The client, and its credentials, are made on first use.
/// </summary>
/// <param name="createClient">Makes the storage client, once, on the first read.</param>
public sealed class GcsObjectSource(Func<StorageClient> createClient) : IObjectSource
{
    private readonly Lazy<StorageClient> _storage = new(createClient);

    /// <summary>Objects read with Application Default Credentials, or from the emulator <c>STORAGE_EMULATOR_HOST</c> names.</summary>
    public GcsObjectSource()
        : this(() => new StorageClientBuilder { EmulatorDetection = Google.Api.Gax.EmulatorDetection.EmulatorOrProduction }.Build())
    {
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(CsvLoad load, CancellationToken cancellationToken)
    {
        var (bucket, name) = Split(load.ObjectUri);
        var storage = _storage.Value;
        try
        {
            await storage.GetObjectAsync(bucket, name, new GetObjectOptions { Generation = load.Generation }, cancellationToken);
        }
        catch (Google.GoogleApiException e) when (e.HttpStatusCode == System.Net.HttpStatusCode.NotFound)
        {
            throw new FileNotFoundException($"{load.ObjectUri} generation {load.Generation} does not exist", e);
        }
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 8 << 20, resumeWriterThreshold: 4 << 20));
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _ = Task.Run(async () =>
        {
            Exception? failure = null;
            try
            {
                await storage.DownloadObjectAsync(bucket, name, pipe.Writer.AsStream(leaveOpen: true),
                    new DownloadObjectOptions { Generation = load.Generation }, stop.Token);
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                await pipe.Writer.CompleteAsync(failure);
            }
        }, CancellationToken.None);
        return new Download(pipe.Reader.AsStream(), stop);
    }

    private static (string Bucket, string Object) Split(string uri)
    {
        const string scheme = "gs://";
        var slash = uri.IndexOf('/', scheme.Length);
        return uri.StartsWith(scheme, StringComparison.Ordinal) && slash > scheme.Length
            ? (uri[scheme.Length..slash], uri[(slash + 1)..])
            : throw new CsvFileException($"{uri} is not a Cloud Storage object (gs://bucket/object)");
    }

    /// <summary>The reading end; disposing it stops the download.</summary>
    private sealed class Download(Stream reader, CancellationTokenSource stop) : ReadThroughStream(reader)
    {
        protected override void OnDispose()
        {
            stop.Cancel();
            stop.Dispose();
        }
    }
}

using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using Google.Cloud.Storage.V1;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.Tests.Fixtures;
using Pipeline.Warehouse.BigQuery;
using Pipeline.Warehouse.DuckDb;

namespace Pipeline.Tests.Backfill;

/// <summary>
/// The object sources behind the backfill, each read through the whole of <see cref="CsvBackfill"/>: Cloud Storage
/// through Google's own client (Google.Cloud.Storage.V1) against a JSON API stand-in on loopback, and a local file
/// with a progress report. Plain and gzip files, the event's generation, a missing object, a bad file.
/// </summary>
public sealed class ObjectSourceTest : IAsyncLifetime
{
    private const string Csv = "user_id,content_id,read_percent,updated_at\n7,1,95,2022-03-27\n8,2,99,2022-03-27\n";
    private readonly ConcurrentDictionary<(string Name, long Generation), byte[]> _objects = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly TempWarehouse _store = new();
    private WebApplication _storage = null!;
    private GcsObjectSource _source = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _storage = builder.Build();
        _storage.Run(ServeAsync);
        await _storage.StartAsync();
        var root = _storage.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _source = new GcsObjectSource(() => new StorageClientBuilder { BaseUri = root + "/storage/v1/", UnauthenticatedAccess = true }.Build());
    }

    public async Task DisposeAsync()
    {
        await _storage.DisposeAsync();
        await _store.DisposeAsync();
    }

    [Theory]
    [InlineData("user_interaction/a.csv")]
    [InlineData("user_interaction/a.csv.gz")]
    public async Task CloudStorageObject_IsStreamedAtTheEventsGenerationAndLoaded(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(Csv);
        _objects[(name, 5)] = name.EndsWith(".gz") ? Gzip(bytes) : bytes;
        _objects[(name, 6)] = Encoding.UTF8.GetBytes("not, this, generation\n");

        var outcome = await LoadAsync(name, 5);

        Assert.Equal(new LoadOutcome(LoadStatus.Loaded, 2, 0, null), outcome);
        Assert.Equal(2, await _store.CountAsync("user_interaction"));
        Assert.All(_requests, r => Assert.Contains("generation=5", r));
    }

    [Fact]
    public async Task CloudStorageObject_ThatIsMissing_FailsAsMissing()
    {
        var outcome = await LoadAsync("user_interaction/none.csv", 5);

        Assert.Equal(LoadOutcome.Failed("the object does not exist"), outcome);
    }

    [Fact]
    public async Task CloudStorageObject_WithAMissingColumn_FailsNamingIt()
    {
        _objects[("user_interaction/b.csv", 5)] = Encoding.UTF8.GetBytes("user_id,read_percent\n7,95\n");

        var outcome = await LoadAsync("user_interaction/b.csv", 5);

        Assert.Equal(LoadStatus.Failed, outcome.Status);
        Assert.Equal("missing required columns 'content_id' (or 'pratilipi_id'), 'updated_at'; "
            + "the header must name: user_id, content_id (or pratilipi_id), read_percent, updated_at; it has: user_id, read_percent", outcome.Error);
    }

    [Fact]
    public async Task LocalFile_WithProgress_LoadsAndReportsEveryByte()
    {
        var file = Path.Combine(_store.Directory, "d.csv");
        Directory.CreateDirectory(_store.Directory);
        await File.WriteAllTextAsync(file, Csv);
        var reported = new List<long>();

        var outcome = await _store.Backfill.LoadAsync(new CsvLoad("file://" + file, 1, RecordKind.Interaction),
            new LocalFileSource(file, new SynchronousProgress(reported.Add)), default);

        Assert.Equal(LoadStatus.Loaded, outcome.Status);
        Assert.Equal(new FileInfo(file).Length, reported[^1]);
    }

    [Fact]
    public async Task ObjectStream_DisposedTwice_StopsOnceAndDoesNotThrow()
    {
        // Readers dispose what they read, and so does the stream's owner: both happen.
        _objects[("user_interaction/a.csv", 5)] = Encoding.UTF8.GetBytes(Csv);
        var file = Path.Combine(_store.Directory, "d.csv");
        Directory.CreateDirectory(_store.Directory);
        await File.WriteAllTextAsync(file, Csv);
        var reported = new List<long>();
        var load = CsvLoad.ForObject("dumps", "user_interaction/a.csv", 5, RecordKind.Interaction);

        foreach (var stream in new[] { await _source.OpenReadAsync(load, default), await new LocalFileSource(file, new SynchronousProgress(reported.Add)).OpenReadAsync(load, default) })
        {
            await stream.DisposeAsync();
            await stream.DisposeAsync();
        }

        Assert.Single(reported);
    }

    private Task<LoadOutcome> LoadAsync(string name, long generation) =>
        _store.Backfill.LoadAsync(CsvLoad.ForObject("dumps", name, generation, RecordKind.Interaction), _source, default);

    /// <summary>Objects metadata and media as the JSON API serves them (<c>alt=media</c> for the bytes), by generation.</summary>
    private async Task ServeAsync(HttpContext context)
    {
        _requests.Enqueue(context.Request.Path + context.Request.QueryString);
        var path = Uri.UnescapeDataString(context.Request.Path.Value!);
        var name = path[(path.IndexOf("/o/", StringComparison.Ordinal) + 3)..];
        var generation = long.TryParse(context.Request.Query["generation"], out var g) ? g : -1;
        if (!_objects.TryGetValue((name, generation), out var bytes))
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsJsonAsync(new { error = new { code = 404, message = "No such object", errors = new[] { new { reason = "notFound" } } } });
            return;
        }
        if (context.Request.Query["alt"] == "media")
        {
            context.Response.ContentType = "application/octet-stream";
            await context.Response.Body.WriteAsync(bytes);
            return;
        }
        await context.Response.WriteAsJsonAsync(new { kind = "storage#object", bucket = "dumps", name, generation = generation.ToString(), size = bytes.Length.ToString() });
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }
        return output.ToArray();
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}

using System.IO.Compression;
using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Pipeline.Domain;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Rows;
using Pipeline.EventarcRequests;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;
using Pipeline.Events.Protobuf.Cloud.Storage.V1;
using Pipeline.Functions.BackfillCsv;
using Pipeline.Functions.Testing;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Backfill;

public sealed class BackfillCsvTest : IAsyncLifetime
{
    private const string Bucket = "dumps";
    private readonly TempWarehouse _store = new();
    private FunctionTestServer<BackfillCsvFunction> _server = null!;
    private BackfillOptions _options = new(MaxBadRows: 10);

    public async Task InitializeAsync() => _server = await StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _store.DisposeAsync();
    }

    private Task<FunctionTestServer<BackfillCsvFunction>> StartAsync() =>
        FunctionTestServer<BackfillCsvFunction>.StartAsync(services =>
            services.AddSingleton<IWarehouse>(_store.Warehouse).AddSingleton(_store.Backfill).AddSingleton(_ => _options));

    [Theory]
    [InlineData("user_id,content_id,read_percent,updated_at", "7,12,95,2022-03-27")]
    [InlineData("updated_at,read_percent,content_id,user_id", "2022-03-27,95,12,7")]
    [InlineData("extra,read_percent,user_id,other,updated_at,pratilipi_id", "x,95,7,y,2022-03-27,12")]
    [InlineData(" User_ID , Pratilipi_Id ,READ_PERCENT,updated_at", "7,12,95,2022-03-27")]
    public async Task Columns_AreMatchedByHeaderName(string header, string row)
    {
        var status = await FinalizeAsync("user_interaction/a.csv", $"{header}\n{row}\n");

        Assert.Equal(HttpStatusCode.OK, status);
        var stored = Assert.Single(await _store.InteractionsAsync());
        Assert.Equal(new Interaction($"gs://{Bucket}/user_interaction/a.csv#100:2", 7L, 12L, 95.0, new DateTime(2022, 3, 27)), stored.Row);
        Assert.Equal(("loaded", 1L, 0L), Counts((await LoadLogAsync()).Single()));
    }

    [Fact]
    public async Task MissingColumn_FailsTheWholeFileNamingTheColumn()
    {
        await FinalizeAsync("user_interaction/a.csv", "user_id,content_id,updated_at\n7,12,2022-03-27\n");

        Assert.Equal(0, await _store.CountAsync("user_interaction"));
        var log = (await LoadLogAsync()).Single();
        Assert.Equal(("failed", 0L, 0L), Counts(log));
        Assert.StartsWith("missing required column 'read_percent'", log.Error!);
    }

    [Fact]
    public async Task BadRows_AreDeadLetteredWithLineNumberRawLineAndReason()
    {
        var csv = "user_id,content_id,read_percent,updated_at\r\n"
            + "7,12,95,2022-03-27\r\n"
            + "-5,12,95,2022-03-27\r\n"
            + "8,13,250,2022-03-27\r\n"
            + "9,14,95,2022-02-30\r\n"
            + "10,15,95\r\n";

        await FinalizeAsync("user_interaction/b.csv", csv);

        Assert.Equal(1, await _store.CountAsync("user_interaction"));
        var errors = await _store.ErrorsAsync();
        var prefix = $"gs://{Bucket}/user_interaction/b.csv#100:";
        Assert.Equal(
        [
            new DeadLetter("BackfillCsv", prefix + "3", "-5,12,95,2022-03-27", "line 3: user_id: must be ≥ 0, got '-5'"),
            new DeadLetter("BackfillCsv", prefix + "4", "8,13,250,2022-03-27", "line 4: read_percent: must be between 0 and 100, got '250'"),
            new DeadLetter("BackfillCsv", prefix + "5", "9,14,95,2022-02-30", "line 5: updated_at: '2022-02-30' is not a valid date or timestamp (expected YYYY-MM-DD, YYYY-MM-DD HH:MM:SS[.f] or ISO-8601 with Z or an offset)"),
            new DeadLetter("BackfillCsv", prefix + "6", "10,15,95", "line 6: updated_at: missing"),
        ], errors);
        Assert.Equal(("loaded", 1L, 4L), Counts((await LoadLogAsync()).Single()));
    }

    [Theory]
    [InlineData(3, "loaded", 1)]
    [InlineData(2, "failed", 0)]
    public async Task MoreBadRowsThanTheLimit_LoadsNothing(int limit, string status, long loaded)
    {
        _options = new BackfillOptions(MaxBadRows: limit);
        await using var server = await StartAsync();
        var csv = "user_id,content_id,read_percent,updated_at\n7,12,95,2022-03-27\nx,1,1,2022-03-27\ny,1,1,2022-03-27\nz,1,1,2022-03-27\n";

        await FinalizeAsync("user_interaction/c.csv", csv, server: server);

        Assert.Equal(loaded, await _store.CountAsync("user_interaction"));
        var log = (await LoadLogAsync()).Single();
        Assert.Equal(status, log.Status);
        if (status == "failed")
        {
            Assert.Equal(0, await _store.CountAsync("ingest_errors"));
            Assert.Equal("more than 2 bad rows; the first, line 3: user_id: must be an integer ≥ 0, got 'x'", log.Error);
        }
    }

    [Fact]
    public async Task GzipBomCrlfAndQuotes_AreRead()
    {
        var csv = "\uFEFFcontent_id,category_name,updated_at\r\n"
            + "1,\"romance, modern\",2022-01-01\r\n"
            + "2,\"multi\r\nline \"\"quoted\"\"\",\r\n"
            + "3,drama,\r\n"
            + "4,,\r\n";
        using var buffer = new MemoryStream();
        await using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(csv));
        }

        await FinalizeAsync("content_meta/d.csv.gz", buffer.ToArray());

        var rows = (await _store.ContentMetaAsync()).Select(c => c.Row).OrderBy(c => c.ContentId).ToList();
        var prefix = $"gs://{Bucket}/content_meta/d.csv.gz#100:";
        Assert.Equal(new ContentMeta(prefix + "2", 1L, "romance, modern", new DateTime(2022, 1, 1)), rows[0]);
        Assert.Equal(new ContentMeta(prefix + "3", 2L, "multi\r\nline \"quoted\"", null), rows[1]);
        Assert.Equal(new ContentMeta(prefix + "5", 3L, "drama", null), rows[2]);
        var error = Assert.Single(await _store.ErrorsAsync());
        Assert.Equal((prefix + "6", "4,,", "line 6: category_name: missing"), (error.EventId, error.Payload, error.Error));
    }

    [Fact]
    public async Task CorruptGzip_FailsTheFile()
    {
        await FinalizeAsync("content_meta/e.csv.gz", Encoding.UTF8.GetBytes("content_id,category_name\n1,x\n"));

        var log = (await LoadLogAsync()).Single();
        Assert.Equal("failed", log.Status);
        Assert.StartsWith("not a valid gzip file", log.Error!);
    }

    [Fact]
    public async Task RedeliveredEvent_LoadsNothingTwiceAndLogsSkipped()
    {
        const string csv = "user_id,content_id,read_percent,updated_at\n7,12,95,2022-03-27\n8,12,95,2022-03-27\n";

        await FinalizeAsync("user_interaction/f.csv", csv);
        await FinalizeAsync("user_interaction/f.csv", csv);
        await FinalizeAsync("user_interaction/f.csv", csv);

        Assert.Equal(2, await _store.CountAsync("user_interaction"));
        Assert.Equal(["loaded", "skipped", "skipped"], (await LoadLogAsync()).Select(l => l.Status));
    }

    [Theory]
    [InlineData("user_interaction/huge.csv", 2_500_000_001L, "the object is 2.5 GB, beyond the 2 GB one delivery loads", "parts of at most 2 GB,")]
    [InlineData("user_interaction/huge.csv.gz", 600_000_000L, "the object is 0.6 GB of gzip (counted ×4), beyond the 2 GB", "parts of at most 0.5 GB compressed")]
    public async Task ObjectBeyondTheSizeBound_FailsAtOnceNamingTheBoundAndThePartSize_AndItsRedeliveryIsSkipped(
        string objectName, long size, string problem, string advice)
    {
        _options = _options with { MaxObjectBytes = 2_000_000_000 };
        await using var server = await StartAsync();
        _store.PutObject(objectName, Encoding.UTF8.GetBytes("user_id,content_id,read_percent,updated_at\n7,12,95,2022-03-27\n"));

        var first = await server.SendAsync(Finalized(objectName, 100, size));
        var again = await server.SendAsync(Finalized(objectName, 100, size));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, again.StatusCode));
        Assert.Equal(0, await _store.CountAsync("user_interaction"));
        var log = await LoadLogAsync();
        Assert.Equal(["failed", "skipped"], log.Select(l => l.Status));
        Assert.StartsWith(problem, log[0].Error!);
        Assert.Contains("BACKFILL_MAX_OBJECT_BYTES", log[0].Error!);
        Assert.Contains($"split it into {advice}", log[0].Error!);
    }

    [Fact]
    public void WorkDeadlineAndSizeBound_AreReadFromTheEnvironment_WithDefaultsAndClearRefusals()
    {
        static BackfillOptions From(params (string, string)[] variables) => BackfillOptions.From(new ConfigurationBuilder()
            .AddInMemoryCollection(variables.Select(v => new KeyValuePair<string, string?>(v.Item1, v.Item2))).Build());

        Assert.Equal((TimeSpan.FromSeconds(3540), 8_000_000_000L), (From().WorkDeadline, From().MaxObjectBytes));
        Assert.Equal((TimeSpan.FromSeconds(900), 1_000L), (From(("BACKFILL_WORK_DEADLINE_SECONDS", "900"), ("BACKFILL_MAX_OBJECT_BYTES", "1000")) is var o ? (o.WorkDeadline, o.MaxObjectBytes) : default));
        Assert.Contains("BACKFILL_WORK_DEADLINE_SECONDS", Assert.Throws<InvalidOperationException>(() => From(("BACKFILL_WORK_DEADLINE_SECONDS", "0"))).Message);
        Assert.Contains("BACKFILL_MAX_OBJECT_BYTES", Assert.Throws<InvalidOperationException>(() => From(("BACKFILL_MAX_OBJECT_BYTES", "8GB"))).Message);
    }

    [Fact]
    public async Task RequestAbortedWhileLoading_DoesNotCancelTheLoad()
    {
        // Pub/Sub drops a push after its 600 s ack deadline; a load still working must go on to its own deadline.
        _store.PutObject("user_interaction/long.csv", Encoding.UTF8.GetBytes("user_id,content_id,read_percent,updated_at\n7,12,95,2022-03-27\n"));
        var function = new BackfillCsvFunction(_store.Backfill, _store.Warehouse, _options, TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<BackfillCsvFunction>.Instance);
        var data = new StorageObjectData { Bucket = Bucket, Name = "user_interaction/long.csv", Generation = 100, Size = 60 };
        var cloudEvent = new CloudNative.CloudEvents.CloudEvent
        {
            Id = "long", Type = Pipeline.Functions.Framework.EventTypes.ObjectFinalized, Source = new Uri("//storage.googleapis.com/projects/_/buckets/dumps"),
            DataContentType = "application/json", Data = Encoding.UTF8.GetBytes(Google.Protobuf.JsonFormatter.Default.Format(data)),
        };

        await function.HandleAsync(cloudEvent, new CancellationToken(canceled: true));

        Assert.Equal(1, await _store.CountAsync("user_interaction"));
        Assert.Equal(["loaded"], (await LoadLogAsync()).Select(l => l.Status));
    }

    [Fact]
    public async Task NewGeneration_ReplacesThePreviousGenerationsRows()
    {
        await FinalizeAsync("user_interaction/g.csv", "user_id,content_id,read_percent,updated_at\n7,12,95,2022-03-27\n8,12,95,2022-03-27\n", generation: 100);
        await FinalizeAsync("user_interaction/g.csv", "user_id,content_id,read_percent,updated_at\n9,12,95,2022-03-27\n", generation: 200);
        // A late redelivery of the old generation must not bring its rows back.
        await FinalizeAsync("user_interaction/g.csv", "user_id,content_id,read_percent,updated_at\n7,12,95,2022-03-27\n", generation: 100);

        var stored = Assert.Single(await _store.InteractionsAsync()).Row;
        Assert.Equal(($"gs://{Bucket}/user_interaction/g.csv#200:2", 9L), (stored.EventId, stored.UserId));
        var log = await LoadLogAsync();
        Assert.Equal(["loaded", "loaded", "skipped"], log.Select(l => l.Status));
        Assert.Equal("superseded: generation 200 is already loaded", log[2].Error);
    }

    [Fact]
    public async Task NewGeneration_LeavesObjectsWhoseNameOnlyStartsTheSameAlone()
    {
        const string header = "user_id,content_id,read_percent,updated_at\n";
        await FinalizeAsync("user_interaction/a.csv#b.csv", header + "1,12,95,2022-03-27\n", generation: 100);
        await FinalizeAsync("user_interaction/a.csv", header + "2,12,95,2022-03-27\n", generation: 100);
        await FinalizeAsync("user_interaction/a.csv", header + "3,12,95,2022-03-27\n", generation: 200);

        var users = (await _store.InteractionsAsync()).Select(i => i.Row.UserId).Order();
        Assert.Equal([1L, 3L], users);
    }

    [Fact]
    public async Task ObjectOutsideTheBucket_IsAFailedLoadInTheLog()
    {
        var response = await _server.SendAsync(Finalized("user_interaction/../../../etc/passwd.csv", 100));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var log = Assert.Single(await LoadLogAsync());
        Assert.Equal("failed", log.Status);
        Assert.Contains("outside the bucket directory", log.Error!);
    }

    [Theory]
    [InlineData("other/a.csv")]
    [InlineData("user_interaction/a.json")]
    [InlineData("user_interaction/a.csv.zip")]
    [InlineData("content_meta")]
    public async Task OtherObjects_AreAcknowledgedAndIgnored(string objectName)
    {
        var status = await FinalizeAsync(objectName, "user_id,content_id,read_percent,updated_at\n7,12,95,2022-03-27\n");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(await LoadLogAsync());
        Assert.Equal(0, await _store.CountAsync("user_interaction"));
    }

    [Fact]
    public async Task OtherEventTypes_AreAcknowledgedAndIgnored()
    {
        _store.PutObject("user_interaction/h.csv", Encoding.UTF8.GetBytes("user_id,content_id,read_percent,updated_at\n7,12,95,2022-03-27\n"));
        var request = Finalized("user_interaction/h.csv", 100);
        var headers = new Dictionary<string, string>(request.Headers) { ["ce-type"] = "google.cloud.storage.object.v1.deleted" };

        var response = await _server.SendAsync(request with { Headers = headers });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await LoadLogAsync());
    }

    [Fact]
    public async Task UndecodableEvent_IsAcknowledgedAndDeadLetteredWithItsRawBytes()
    {
        var body = "{\"bucket\":\"dumps\",\"name\":\""u8.ToArray().Concat(new byte[] { 0xA1 }).Concat("\"}"u8.ToArray()).ToArray();
        var request = Finalized("user_interaction/u.csv", 100) with { Body = body };

        var response = await _server.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var error = Assert.Single(await _store.ErrorsAsync());
        Assert.Equal(("BackfillCsv", $"{Bucket}/user_interaction/u.csv/100", "base64:" + Convert.ToBase64String(body)),
            (error.Source, error.EventId, error.Payload));
        Assert.StartsWith("data is not a StorageObjectData", error.Error);
        Assert.Empty(await LoadLogAsync());
    }

    [Fact]
    public async Task MissingObject_IsAFailedLoad()
    {
        var response = await _server.SendAsync(Finalized("user_interaction/nope.csv", 100));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var missing = (await LoadLogAsync()).Single();
        Assert.Equal(("failed", 0L, 0L, "the object does not exist"), (missing.Status, missing.RowsLoaded, missing.RowsRejected, missing.Error));
    }

    [Fact]
    public async Task WarehouseDown_Answers500SoTheEventIsRedelivered()
    {
        await using var server = await FunctionTestServer<BackfillCsvFunction>.StartAsync(services =>
        {
            var failing = new FailingWarehouse();
            services.AddSingleton<IWarehouse>(failing).AddSingleton(failing.Backfill()).AddSingleton(_options);
        });

        var response = await server.SendAsync(Finalized("user_interaction/a.csv", 100));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    private Task<HttpStatusCode> FinalizeAsync(string objectName, string content, long generation = 100, FunctionTestServer<BackfillCsvFunction>? server = null) =>
        FinalizeAsync(objectName, Encoding.UTF8.GetBytes(content), generation, server);

    private async Task<HttpStatusCode> FinalizeAsync(string objectName, byte[] content, long generation = 100, FunctionTestServer<BackfillCsvFunction>? server = null)
    {
        _store.PutObject(objectName, content);
        var response = await (server ?? _server).SendAsync(Finalized(objectName, generation));
        return response.StatusCode;
    }

    private static EventarcRequest Finalized(string objectName, long generation, long size = 1) =>
        EventarcRequest.ForFinalizedObject(
            new StorageObjectData { Bucket = Bucket, Name = objectName, Generation = generation, Size = size, ContentType = "text/csv" },
            eventId: $"{Bucket}/{objectName}/{generation}");

    /// <summary>The load_log, in the order the attempts happened.</summary>
    private Task<IReadOnlyList<LoadLogEntry>> LoadLogAsync() => _store.LoadLogAsync();

    private static (string Status, long RowsLoaded, long RowsRejected) Counts(LoadLogEntry entry) => (entry.Status, entry.RowsLoaded, entry.RowsRejected);
}

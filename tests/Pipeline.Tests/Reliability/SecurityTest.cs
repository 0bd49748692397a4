using System.Net;
using System.Text;
using Google.Apis.Auth.OAuth2;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging.Testing;
using Pipeline.Domain;
using Pipeline.EventarcRequests;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;
using Pipeline.Events.Protobuf.Cloud.Storage.V1;
using Pipeline.Functions.BackfillCsv;
using Pipeline.Functions.IngestInteraction;
using Pipeline.Functions.Testing;
using Pipeline.Ingestion;
using Pipeline.Local;
using Pipeline.Tests.Fixtures;
using Pipeline.Warehouse.BigQuery;

namespace Pipeline.Tests.Reliability;

public sealed class SecurityTest
{
    private const string Secret = "s3cr3t-payload-7f2a";

    [Fact]
    public async Task LocalStack_ListensOnLoopbackOnly()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDir);
        // Port 0: Kestrel binds a free port itself and tells which. The main port and the Pub/Sub port, both.
        await using (var app = LocalStack.Build(LocalStack.CreateBuilder(new LocalOptions(Port: 0, DataDir: dataDir) { PubSubPort = 0 })))
        {
            await app.StartAsync();

            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;

            Assert.Equal(2, addresses.Count);
            Assert.All(addresses, address => Assert.Matches(@"^http://127\.0\.0\.1:[1-9][0-9]*$", address));
            Assert.Contains($"http://127.0.0.1:{app.Services.GetRequiredService<Pipeline.Local.PubSub.PubSubListener>().Port}", addresses);
            await app.StopAsync();
        }
        Directory.Delete(dataDir, recursive: true);
    }

    [Fact]
    public async Task InfoLogs_NeverCarryPayloads()
    {
        using var logs = new FakeLoggerProvider();
        await using var server = await FunctionTestServer<IngestInteractionFunction>.StartAsync(services => services
            .AddSingleton<ILoggerProvider>(logs).AddPubSubIngestion().AddSingleton<IWarehouse>(new MemoryWarehouse()));

        await server.SendAsync(Messages.PubSub($$"""{"user_id":1,"content_id":2,"read_percent":95,"updated_at":"2022-03-27","note":"{{Secret}}"}""", "ok-1"));
        await server.SendAsync(Messages.PubSub($$"""{"user_id":"{{Secret}}","content_id":2,"read_percent":95,"updated_at":"2022-03-27"}""", "bad-1"));
        await server.SendAsync(Messages.PubSub(Secret, "garbage-1"));

        var info = logs.Collector.GetSnapshot().Where(e => e.Level <= LogLevel.Information).Select(e => $"{e.Message} {e.Exception}").ToList();
        Assert.Contains(info, e => e.Contains("ok-1: 1 received, 1 written", StringComparison.Ordinal));
        Assert.DoesNotContain(info, e => e.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AccessTokens_NeverReachTheLogs()
    {
        using var logs = new FakeLoggerProvider();
        await using var bigQuery = await FakeBigQuery.StartAsync();
        bigQuery.Script("POST", "/insertAll", 403, """{"error":{"code":403,"message":"denied","errors":[{"reason":"accessDenied"}]}}""");
        var options = BigQueryOptions.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GOOGLE_CLOUD_PROJECT"] = "p", ["BIGQUERY_DATASET"] = "d", ["BIGQUERY_LOCATION"] = "EU",
        }).Build()) with { ApiRoot = bigQuery.Root };
        await using var server = await FunctionTestServer<IngestInteractionFunction>.StartAsync(services => services
            .AddSingleton<ILoggerProvider>(logs).AddSingleton<ITokenAccess>(new Token()).AddPubSubIngestion().AddBigQueryWarehouse(options));

        var response = await server.SendAsync(Messages.PubSub(Messages.SeedInteraction, "t-1"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("Bearer ya29.token-never-logged", Assert.Single(bigQuery.Requests).Authorization);
        var entries = logs.Collector.GetSnapshot().Select(e => $"{e.Message} {e.Exception}").ToList();
        Assert.NotEmpty(entries);
        Assert.DoesNotContain(entries, e => e.Contains("ya29.token-never-logged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HostileObjectName_IsBoundNeverSpliced()
    {
        await using var store = new TempWarehouse();
        var name = "user_interaction/x'; DROP TABLE load_log; --\".csv";
        store.PutObject(name, Encoding.UTF8.GetBytes("user_id,content_id,read_percent,updated_at\n7,12,95,2022-03-27\n"));
        await using var server = await FunctionTestServer<BackfillCsvFunction>.StartAsync(services => services
            .AddSingleton<IWarehouse>(store.Warehouse).AddSingleton(store.Backfill).AddSingleton(new BackfillOptions()));

        var response = await server.SendAsync(EventarcRequest.ForFinalizedObject(
            new StorageObjectData { Bucket = "b", Name = name, Generation = 5 }, "hostile"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var log = Assert.Single(await store.QueryAsync("SELECT object, status FROM load_log"));
        Assert.Equal([$"gs://b/{name}", "loaded"], log);
        Assert.Equal(1, await store.CountAsync("user_interaction"));
    }

    private sealed class Token : ITokenAccess
    {
        public Task<string> GetAccessTokenForRequestAsync(string? authUri = null, CancellationToken cancellationToken = default) =>
            Task.FromResult("ya29.token-never-logged");
    }
}

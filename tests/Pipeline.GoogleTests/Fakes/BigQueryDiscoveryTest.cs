using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Pipeline.Domain.Backfill;
using Pipeline.EventarcRequests;
using Pipeline.Events.Protobuf.Cloud.Storage.V1;
using Pipeline.Functions.BackfillCsv;
using Pipeline.Functions.IngestInteraction;
using Pipeline.Functions.UserContent;
using Pipeline.Tests.Fixtures;
using Pipeline.Tests.Fixtures.Discovery;

namespace Pipeline.Tests.Fakes;

/// <summary>
/// The fake BigQuery judges every request by BigQuery's own API description, the discovery document the bq CLI
/// ships: what BigQuery would refuse is answered as Google answers it, and fails the test unless the test expects it;
/// what the adapter sends passes.
/// </summary>
public sealed class BigQueryDiscoveryTest
{
    private const string Jobs = "/bigquery/v2/projects/proj/jobs";
    private const string Queries = "/bigquery/v2/projects/proj/queries";

    [SkippableTheory]
    [InlineData("POST", Jobs, """{"jobReference":{"projectId":"proj","jobId":"j1"},"configuration":{"query":{"query":"SELECT 1"},"x":1}}""",
        400, "Invalid JSON payload received. Unknown name \"x\" at 'job.configuration': Cannot find field.")]
    [InlineData("POST", Queries, """{"query":"SELECT 1","useLegacySql":"no"}""",
        400, "Invalid value at 'query_request.use_legacy_sql' (TYPE_BOOL), \"no\"")]
    [InlineData("POST", Queries, """{"query":"SELECT 1","maxResults":"ten"}""",
        400, "Invalid value at 'query_request.max_results' (TYPE_UINT32), \"ten\"")]
    [InlineData("POST", Queries, """{"query":"SELECT 1","jobCreationMode":"SOMETIMES"}""",
        400, "Invalid value at 'query_request.job_creation_mode' (TYPE_ENUM), \"SOMETIMES\"")]
    [InlineData("GET", Jobs + "/j1?prettyPrint=false&verbose=true", null,
        400, "Invalid JSON payload received. Unknown name \"verbose\": Cannot bind query parameter. Field 'verbose' could not be found in request message.")]
    [InlineData("GET", "/bigquery/v2/projects/proj/datasets/ds/tables/t?view=EVERYTHING", null,
        400, "Invalid value at 'view' (TYPE_ENUM), \"EVERYTHING\"")]
    [InlineData("POST", Jobs + "/j1/restart", "{}",
        404, "FakeBigQuery: BigQuery's discovery document (revision {revision}) has no method POST /bigquery/v2/projects/proj/jobs/j1/restart.")]
    [InlineData("PATCH", Jobs + "/j1", "{}",
        404, "FakeBigQuery: BigQuery's discovery document (revision {revision}) has no method PATCH /bigquery/v2/projects/proj/jobs/j1 (that path takes GET).")]
    [InlineData("POST", "/upload/bigquery/v2/projects/proj/jobs?uploadType=media", """{"jobReference":{"projectId":"proj","jobId":"j1"}}""",
        400, "Invalid value at 'upload_type' (TYPE_STRING), \"media\": an upload to this path takes uploadType resumable or multipart.")]
    public async Task RequestBigQueryRefuses_IsAnsweredAsGoogleAnswersIt_AndRecorded(string method, string pathAndQuery, string? json, int status, string message)
    {
        GoogleCloudSdk.RequireBigQueryDiscovery();
        await using var bigQuery = await FakeBigQuery.StartAsync();
        bigQuery.ExpectRefusals();

        var (code, body) = await SendAsync(bigQuery, method, pathAndQuery, json);

        var expected = message.Replace("{revision}", BigQueryDiscovery.Sdk!.Revision, StringComparison.Ordinal);
        Assert.Equal((status, expected), (code, body["error"]!["message"]!.GetValue<string>()));
        Assert.Equal(status == 400 ? ("INVALID_ARGUMENT", "invalid") : ("NOT_FOUND", "notFound"),
            (body["error"]!["status"]!.GetValue<string>(), body["error"]!["errors"]![0]!["reason"]!.GetValue<string>()));
        Assert.Equal(expected, Assert.Single(bigQuery.Refusals).Message);
        Assert.Empty(bigQuery.Jobs); // refused before any script or state saw it
    }

    [SkippableFact]
    public async Task ValuesGoogleAccepts_Int64AsNumberOrString_ProtoNames_MapsAndNull_PassTheCheck()
    {
        GoogleCloudSdk.RequireBigQueryDiscovery();
        await using var bigQuery = await FakeBigQuery.StartAsync();

        var (insert, _) = await SendAsync(bigQuery, "POST", Jobs + "?prettyPrint=false&alt=json", """
            {"jobReference":{"projectId":"proj","jobId":"j1","location":"EU"},
             "configuration":{"jobTimeoutMs":5000,"labels":{"pipeline":"backfill-csv"},"dry_run":false,"reservation":null,
               "query":{"query":"SELECT 1","maximumBytesBilled":"1000000","useLegacySql":false,"priority":"BATCH",
                 "queryParameters":[{"name":"n","parameterType":{"type":"INT64"},"parameterValue":{"value":"1"}}]}}}
            """);
        var (poll, _) = await SendAsync(bigQuery, "GET", Jobs + "/j1?location=EU&prettyPrint=false", null);

        Assert.Equal((200, 200), (insert, poll));
        Assert.Empty(bigQuery.Refusals);
    }

    [SkippableFact]
    public async Task MultipartUpload_MetadataPartIsJudged()
    {
        GoogleCloudSdk.RequireBigQueryDiscovery();
        await using var bigQuery = await FakeBigQuery.StartAsync();
        bigQuery.ExpectRefusals();
        using var http = new HttpClient { BaseAddress = bigQuery.Root };
        using var content = new MultipartContent("related", "b0undary")
        {
            new StringContent("""{"jobReference":{"projectId":"proj","jobId":"j1"},"configuration":{"load":{"sourceFormat":"CSV","compression":"GZIP"}}}""",
                Encoding.UTF8, "application/json"),
            new ByteArrayContent("1,2\n"u8.ToArray()),
        };

        using var response = await http.PostAsync("upload/bigquery/v2/projects/proj/jobs?uploadType=multipart", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Invalid JSON payload received. Unknown name \"compression\" at 'job.configuration.load': Cannot find field.",
            Assert.Single(bigQuery.Refusals).Message);
    }

    [SkippableFact]
    public async Task RefusedRequestTheTestDidNotExpect_FailsTheTestWhenTheFakeIsDisposed()
    {
        GoogleCloudSdk.RequireBigQueryDiscovery();
        var bigQuery = await FakeBigQuery.StartAsync();
        await SendAsync(bigQuery, "POST", Queries, """{"query":"SELECT 1","dialect":"legacy"}""");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(async () => await bigQuery.DisposeAsync());

        Assert.Contains($"POST {Queries}: 400 Invalid JSON payload received. Unknown name \"dialect\" at 'query_request': Cannot find field.", failure.Message);
    }

    [SkippableFact]
    public async Task AdapterRequests_InsertAllQueryUploadJobsAndPolls_PassTheCheck()
    {
        GoogleCloudSdk.RequireBigQueryDiscovery();
        await using var bigQuery = await FakeBigQuery.StartAsync();
        var options = BigQueryFunctions.Options(bigQuery);
        var objects = new MemoryObjects();
        objects.Put("gs://dumps/user_interaction/a.csv", 1, "user_id,content_id,read_percent,updated_at\n7,12,95.5,2022-03-27\n"u8.ToArray());

        await using (var ingest = await BigQueryFunctions.StartAsync<IngestInteractionFunction>(options))
        {
            Assert.Equal(HttpStatusCode.OK, (await ingest.SendAsync(Messages.PubSub(
                """{"user_id": 7, "content_id": 12, "read_percent": 92.5, "updated_at": "2022-03-27T01:30:00Z"}""", "4711"))).StatusCode);
        }
        await using (var userContent = await BigQueryFunctions.StartAsync<UserContentFunction>(options))
        {
            using var client = userContent.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/user_content/?user_id=7&query_date=2022-03-27")).StatusCode);
        }
        await using (var backfill = await BigQueryFunctions.StartAsync<BackfillCsvFunction>(options,
            services => services.AddSingleton(new BackfillOptions()).AddSingleton<IObjectSource>(objects)))
        {
            Assert.Equal(HttpStatusCode.OK, (await backfill.SendAsync(EventarcRequest.ForFinalizedObject(
                new StorageObjectData { Bucket = "dumps", Name = "user_interaction/a.csv", Generation = 1 }, "dumps/user_interaction/a.csv/1"))).StatusCode);
        }

        Assert.True(bigQuery.ChecksDiscovery);
        Assert.Empty(bigQuery.Refusals);
        var verdicts = bigQuery.Requests.Select(r => BigQueryDiscovery.Sdk!.Check(r.Method, r.Path, r.Query, null, r.BodyBytes)).ToList();
        Assert.All(verdicts, v => Assert.True(v.Accepted, v.ToString()));
        Assert.Superset(new HashSet<string> { "bigquery.tabledata.insertAll", "bigquery.jobs.query", "bigquery.jobs.insert" },
            verdicts.Select(v => v.MethodId!).ToHashSet());
        Assert.Contains(bigQuery.Requests, r => r is { Method: "PUT" } && r.Path.StartsWith("/upload/", StringComparison.Ordinal));
    }

    private static async Task<(int Status, JsonNode Body)> SendAsync(FakeBigQuery bigQuery, string method, string pathAndQuery, string? json)
    {
        using var http = new HttpClient { BaseAddress = bigQuery.Root };
        using var request = new HttpRequestMessage(new HttpMethod(method), pathAndQuery.TrimStart('/'));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? new JsonObject() : JsonNode.Parse(text)!);
    }
}

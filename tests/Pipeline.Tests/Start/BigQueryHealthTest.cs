using System.Net;
using System.Text.Json.Nodes;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Start;

/// <summary>
/// <c>/healthz</c> of the local stack on BigQuery (the built pipeline-local against the fake BigQuery, which judges
/// every request by BigQuery's discovery document): it asks BigQuery for the configured dataset and says what it answered.
/// </summary>
public sealed class BigQueryHealthTest : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Healthz_DatasetNotFound_503WithBigQuerysOwnMessage()
    {
        await using var bigQuery = await FakeBigQuery.StartAsync();
        bigQuery.Script("GET", "/projects/proj/datasets/events", 404,
            """{"error":{"code":404,"message":"Not found: Dataset proj:events","errors":[{"message":"Not found: Dataset proj:events","domain":"global","reason":"notFound"}],"status":"NOT_FOUND"}}""");

        var (status, health) = await HealthAsync(bigQuery);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("unavailable", health["status"]!.GetValue<string>());
        Assert.Contains("Not found: Dataset proj:events", health["warehouse"]!.GetValue<string>());
        Assert.Single(bigQuery.Calls("GET", "/projects/proj/datasets/events"));
    }

    [Fact]
    public async Task Healthz_DatasetAnswers_200NamingIt()
    {
        await using var bigQuery = await FakeBigQuery.StartAsync();
        bigQuery.Script("GET", "/projects/proj/datasets/events", 200,
            """{"kind":"bigquery#dataset","id":"proj:events","datasetReference":{"projectId":"proj","datasetId":"events"},"location":"EU"}""");

        var (status, health) = await HealthAsync(bigQuery);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("bigquery: dataset proj:events answered", health["warehouse"]!.GetValue<string>());
    }

    private async Task<(HttpStatusCode, JsonNode)> HealthAsync(FakeBigQuery bigQuery)
    {
        using var stack = BuiltProgram.Start("pipeline-local", ["--warehouse", "bigquery", "--port", "0", "--pubsub-port", "0", "--data-dir", _dataDir],
            new Dictionary<string, string?>
            {
                ["GOOGLE_CLOUD_PROJECT"] = "proj",
                ["BIGQUERY_DATASET"] = "events",
                ["BIGQUERY_LOCATION"] = "EU",
                ["BIGQUERY_EMULATOR_HOST"] = bigQuery.Root.ToString(),
            });
        var root = (await stack.WaitForLineAsync(@"Local stack on (http://127\.0\.0\.1:[0-9]+)", TimeSpan.FromSeconds(30))).Groups[1].Value;
        using var client = new HttpClient { BaseAddress = new Uri(root), Timeout = TimeSpan.FromSeconds(15) };
        using var response = await client.GetAsync("/healthz");
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }
}

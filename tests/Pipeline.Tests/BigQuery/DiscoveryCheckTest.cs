using System.Net;
using System.Text;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.BigQuery;

/// <summary>
/// Every fake BigQuery in these tests judges each request by BigQuery's own API description (the discovery document
/// the Cloud SDK's bq ships) and fails the test that sent one BigQuery would refuse. Where the SDK is not installed the
/// fakes cannot, and run unchecked: this test is then the one line of the run that says so (skipped; failed on CI,
/// which requires the SDK).
/// </summary>
public sealed class DiscoveryCheckTest
{
    [SkippableFact]
    public async Task FakeBigQuery_ChecksEveryRequestAgainstBigQuerysDiscoveryDocument()
    {
        GoogleCloudSdk.RequireBigQueryDiscovery();
        await using var bigQuery = await FakeBigQuery.StartAsync();
        bigQuery.ExpectRefusals();
        using var http = new HttpClient { BaseAddress = bigQuery.Root };

        using var response = await http.PostAsync("bigquery/v2/projects/proj/queries",
            new StringContent("""{"query":"SELECT 1","timeoutMs":"soon"}""", Encoding.UTF8, "application/json"));

        Assert.True(bigQuery.ChecksDiscovery);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Invalid value at 'query_request.timeout_ms' (TYPE_UINT32), \"soon\"", Assert.Single(bigQuery.Refusals).Message);
    }
}

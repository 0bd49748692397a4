using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pipeline.Functions.Testing;
using Pipeline.Functions.UserContent;
using Pipeline.Warehouse.BigQuery;

namespace Pipeline.Tests.UserContent;

/// <summary>UserContent pointed at a BigQuery emulator that is not running fails fast, with one log line.</summary>
public sealed class UnreachableBigQueryTest
{
    [Fact]
    public async Task NothingListeningAtTheEmulatorHost_Answers503AtOnceWithOneErrorLine()
    {
        var options = BigQueryOptions.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GOOGLE_CLOUD_PROJECT"] = "p",
            ["BIGQUERY_DATASET"] = "d",
            ["BIGQUERY_LOCATION"] = "EU",
            ["BIGQUERY_EMULATOR_HOST"] = $"http://127.0.0.1:{ClosedPort()}",
        }).Build());
        await using var server = await FunctionTestServer<UserContentFunction>.StartAsync(services => services.AddBigQueryWarehouse(options));
        using var client = server.CreateClient();

        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync("/user_content/?user_id=1&query_date=2022-03-27");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}: a refused connection must not be retried for the whole budget");
        var errors = server.GetLogEntries().Where(e => e.Level >= LogLevel.Warning).ToList();
        var error = Assert.Single(errors);
        Assert.Null(error.Exception);
        Assert.Contains("query_date 2022-03-27", error.Message);
    }

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Net;
using System.Net.Sockets;

using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Start;

/// <summary>The local stack's start as a user sees it: the built pipeline-local, its first line and its one-line refusals.</summary>
public sealed class LocalStartTest : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Start_FirstLineIsLocalStackOnItsAddress()
    {
        using var stack = BuiltProgram.Start("pipeline-local", ["--port", "0", "--pubsub-port", "0", "--data-dir", _dataDir]);

        await stack.WaitForLineAsync("Watching .* for CSV dumps", TimeSpan.FromSeconds(30));

        Assert.Matches(@"Local stack on http://127\.0\.0\.1:[0-9]+, data in ", stack.Lines[0]);
        Assert.Contains("Pub/Sub emulator API", stack.Lines[1]);
    }

    [Fact]
    public void DotnetRunOfLocal_ShowsItsBuildOneLineAProject()
    {
        // dotnet run builds at quiet verbosity; the response file beside the project (read when a build starts there)
        // raises the console to minimal, where each project's "X -> path" line and the announcement below show.
        Assert.Equal("-clp:verbosity=minimal", Fixtures.Repository.Read("local/Directory.Build.rsp").Trim());
        Assert.Matches("<Message Importance=\"high\" Text=\"Building the local stack, one line a project",
            Fixtures.Repository.Read("local/Pipeline.Local.csproj"));
    }

    [Fact]
    public async Task PortInUse_RefusedInOneLineNamingThePortAndTheOption()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (exit, output, error) = await BuiltProgram.RunAsync("pipeline-local", ["--port", $"{port}", "--pubsub-port", "0", "--data-dir", _dataDir]);

        Assert.Equal(1, exit);
        Assert.Equal($"pipeline-local cannot start: port {port} is in use (another local stack?); stop it, or pick another port: --port {port + 10}.", error.Trim());
        Assert.Equal("", output);
    }

    [Fact]
    public async Task SecondStackOnTheSameDataDir_RefusedInOneLineNamingTheFix()
    {
        using var first = BuiltProgram.Start("pipeline-local", ["--port", "0", "--pubsub-port", "0", "--data-dir", _dataDir]);
        var root = (await first.WaitForLineAsync(@"Local stack on (http://127\.0\.0\.1:[0-9]+)", TimeSpan.FromSeconds(30))).Groups[1].Value;
        using var client = new HttpClient { BaseAddress = new Uri(root) };
        // /healthz queries the warehouse: the first stack holds the file from then on.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);

        var (exit, output, error) = await BuiltProgram.RunAsync("pipeline-local", ["--port", "0", "--pubsub-port", "0", "--data-dir", _dataDir]);

        Assert.Equal(1, exit);
        Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith($"pipeline-local cannot start: the warehouse {Path.Combine(_dataDir, "warehouse.duckdb")} is open in another process", error);
        Assert.Contains("--data-dir", error);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task BigQueryWithoutItsVariables_RefusedInOneLineNamingThem()
    {
        var (exit, output, error) = await BuiltProgram.RunAsync("pipeline-local", ["--warehouse", "bigquery", "--port", "0", "--pubsub-port", "0", "--data-dir", _dataDir],
            new Dictionary<string, string?> { ["GOOGLE_CLOUD_PROJECT"] = null, ["BIGQUERY_DATASET"] = null, ["BIGQUERY_LOCATION"] = null });

        Assert.Equal(1, exit);
        Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith("pipeline-local cannot start: ", error);
        Assert.Contains("not set: GOOGLE_CLOUD_PROJECT, BIGQUERY_DATASET, BIGQUERY_LOCATION.", error);
        Assert.DoesNotContain("run the local stack", error);
        Assert.Equal("", output);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }
}

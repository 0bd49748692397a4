using System.Net;
using Pipeline.Functions.Framework;
using Pipeline.Functions.Hosting;
using Pipeline.Events.Protobuf;

namespace Pipeline.Tests.Hosting;

public sealed class FunctionHostTest
{
    [Theory]
    [InlineData(null, null, null, "127.0.0.1", 8080)]
    [InlineData("9000", null, null, "127.0.0.1", 9000)]
    [InlineData("9000", "ingest-interaction", null, "0.0.0.0", 9000)]
    [InlineData(null, null, "true", "0.0.0.0", 8080)]
    [InlineData(null, " ", "false", "127.0.0.1", 8080)]
    public void ListenEndpoint_FollowsPortAndDeploymentVariables(string? port, string? service, string? container, string address, int expectedPort)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PORT"] = port,
            ["K_SERVICE"] = service,
            ["DOTNET_RUNNING_IN_CONTAINER"] = container,
        }).Build();

        Assert.Equal((IPAddress.Parse(address), expectedPort), FunctionHost.ListenEndpoint(configuration));
    }

    [Fact]
    public void CommandLinePort_WinsOverEnvironment()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["PORT"] = "9000" })
            .AddCommandLine(["--port", "9100"])
            .Build();

        Assert.Equal(9100, FunctionHost.ListenEndpoint(configuration).Port);
    }
}

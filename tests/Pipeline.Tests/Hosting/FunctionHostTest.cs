using System.Net;
using Pipeline.Events.Protobuf;
using Pipeline.Functions.Framework;
using Pipeline.Functions.Hosting;

namespace Pipeline.Tests.Hosting;

public sealed class FunctionHostTest
{
    [Theory]
    [InlineData(typeof(Pipeline.Functions.IngestInteraction.IngestInteractionFunction), typeof(Pipeline.Functions.IngestInteraction.Startup))]
    [InlineData(typeof(Pipeline.Functions.IngestContent.IngestContentFunction), typeof(Pipeline.Functions.IngestContent.Startup))]
    [InlineData(typeof(Pipeline.Functions.UserContent.UserContentFunction), typeof(Pipeline.Functions.UserContent.Startup))]
    [InlineData(typeof(Pipeline.Functions.BackfillCsv.BackfillCsvFunction), typeof(Pipeline.Functions.BackfillCsv.Startup))]
    public void ProductionFunction_NamesItsStartup(Type function, Type startup) =>
        Assert.Equal(startup, Assert.Single(FunctionsStartupAttribute.StartupsFor(function)).GetType());

    [Fact]
    public void Startups_RunByOrderThenName()
    {
        var order = FunctionsStartupAttribute.StartupsFor(typeof(OrderedFunction)).Select(s => s.GetType().Name);

        Assert.Equal(["First", "A", "B"], order);
    }

    [Fact]
    public async Task Startup_ServicesAndMiddleware_ReachTheFunction()
    {
        await using var server = await Pipeline.Functions.Testing.FunctionTestServer<GreetingFunction>.StartAsync(new GreetingStartup());
        using var client = server.CreateClient();

        var response = await client.GetAsync("/anything");

        Assert.Equal("hello from a startup", await response.Content.ReadAsStringAsync());
        Assert.Equal("yes", response.Headers.GetValues("x-middleware").Single());
    }

    [FunctionsStartup(typeof(B))]
    [FunctionsStartup(typeof(A))]
    [FunctionsStartup(typeof(First), Order = -1)]
    private sealed class OrderedFunction;

    private sealed class A : FunctionsStartup;

    private sealed class B : FunctionsStartup;

    private sealed class First : FunctionsStartup;

    public sealed record Greeting(string Text);

    public sealed class GreetingFunction(Greeting greeting) : IHttpFunction
    {
        public Task HandleAsync(HttpContext context) => context.Response.WriteAsync(greeting.Text);
    }

    private sealed class GreetingStartup : FunctionsStartup
    {
        public override void ConfigureServices(WebHostBuilderContext context, IServiceCollection services) =>
            services.AddSingleton(new Greeting("hello from a startup"));

        public override void Configure(WebHostBuilderContext context, IApplicationBuilder app) =>
            app.Use(async (http, next) =>
            {
                http.Response.Headers["x-middleware"] = "yes";
                await next(http);
            });
    }

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

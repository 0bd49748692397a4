using Pipeline.Local;
using Pipeline.Local.Commands;
using Pipeline.Local.Demo;
using Pipeline.Local.PubSub;

// dotnet run --project local -- --help
return await LocalCommandLine.InvokeAsync(LocalCommandLine.Create(ServeAsync, LoadCommand.RunAsync), args);

static async Task<int> ServeAsync(LocalOptions options, CancellationToken cancellationToken)
{
    if (PortsInUse.Find(options) is var (taken, takenPort))
    {
        return await CannotStartAsync(PortsInUse.Problem(taken, takenPort));
    }
    if (await DataDirInUse.ProblemAsync(options, cancellationToken) is { } held)
    {
        return await CannotStartAsync(held);
    }
    WebApplicationBuilder builder;
    try
    {
        builder = LocalStack.CreateBuilder(options);
    }
    catch (InvalidOperationException e)
    {
        // Configuration that cannot work (--warehouse bigquery without its variables): one line, no stack trace.
        return await CannotStartAsync(e.Message);
    }
    await using var app = LocalStack.Build(builder);
    if (options.Demo)
    {
        await app.Services.GetRequiredService<DemoLoader>().LoadAsync(new DemoDataset(), cancellationToken);
    }
    try
    {
        await app.StartAsync(cancellationToken);
    }
    catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
    {
        // Taken since the check above.
        var (option, port) = e.Message.Contains($":{options.PubSubPort}", StringComparison.Ordinal) && options.PubSubPort != 0
            ? ("--pubsub-port", options.PubSubPort)
            : ("--port", options.Port);
        return await CannotStartAsync(PortsInUse.Problem(option, port));
    }
    // "Local stack on …" is said by StackAnnouncement, first, once the ports are bound.
    if (options.Demo)
    {
        app.Logger.LogInformation("Try {Root}/user_content/?user_id={User}&query_date={Date:yyyy-MM-dd}",
            LocalAddresses.Root(app.Services), DemoDataset.FeaturedUser, DemoDataset.LastDate);
    }
    await app.WaitForShutdownAsync(cancellationToken);
    return 0;
}

static async Task<int> CannotStartAsync(string problem)
{
    await Console.Error.WriteLineAsync($"{LocalCommandLine.Name} cannot start: {problem}");
    return 1;
}

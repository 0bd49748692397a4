using Pipeline.Local;
using Pipeline.Local.Commands;
using Pipeline.Local.Demo;
using Pipeline.Local.PubSub;

// dotnet run --project local -- --help
return await LocalCommandLine.InvokeAsync(LocalCommandLine.Create(ServeAsync, LoadCommand.RunAsync), args);

static async Task<int> ServeAsync(LocalOptions options, CancellationToken cancellationToken)
{
    await using var app = LocalStack.Build(LocalStack.CreateBuilder(options));
    if (options.Demo)
    {
        await app.Services.GetRequiredService<DemoLoader>().LoadAsync(new DemoDataset(), cancellationToken);
    }
    await app.StartAsync(cancellationToken);
    // The addresses Kestrel bound: the ports asked for, or the free ones it picked for port 0.
    var root = LocalAddresses.Root(app.Services);
    app.Logger.LogInformation("Local stack on {Root}, data in {DataDir}", root, Path.GetFullPath(options.DataDir));
    var pubSub = app.Services.GetRequiredService<PubSubListener>();
    app.Logger.LogInformation("Pub/Sub emulator API (gRPC) on {EmulatorHost}: PUBSUB_EMULATOR_HOST=localhost:{PubSubPort}", pubSub.EmulatorHost, pubSub.Port);
    if (options.Demo)
    {
        app.Logger.LogInformation("Try {Root}/user_content/?user_id={User}&query_date={Date:yyyy-MM-dd}",
            root, DemoDataset.FeaturedUser, DemoDataset.LastDate);
    }
    await app.WaitForShutdownAsync(cancellationToken);
    return 0;
}

using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Pipeline.Local;
using Pipeline.Local.Commands;
using Pipeline.Local.Demo;

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
    // The address Kestrel bound: the port asked for, or the free one it picked for --port 0.
    var root = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    app.Logger.LogInformation("Local stack on {Root}, data in {DataDir}", root, Path.GetFullPath(options.DataDir));
    if (options.Demo)
    {
        app.Logger.LogInformation("Try {Root}/user_content/?user_id={User}&query_date={Date:yyyy-MM-dd}",
            root, DemoDataset.FeaturedUser, DemoDataset.LastDate);
    }
    await app.WaitForShutdownAsync(cancellationToken);
    return 0;
}

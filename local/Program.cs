using Pipeline.Local;
using Pipeline.Local.Commands;
using Pipeline.Local.Demo;

if (args is ["load", .. var loadArgs])
{
    return await LoadCommand.RunAsync(loadArgs, CancellationToken.None);
}

LocalOptions options;
try
{
    options = LocalOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine($"Usage: {LocalOptions.Usage}");
    Console.Error.WriteLine($"   or: {LoadCommand.Usage}");
    return 2;
}

await using var app = LocalStack.Build(LocalStack.CreateBuilder(options));
if (options.Demo)
{
    await app.Services.GetRequiredService<DemoLoader>().LoadAsync(new DemoDataset(), CancellationToken.None);
}
await app.StartAsync();
app.Logger.LogInformation("Local stack on http://127.0.0.1:{Port}, data in {DataDir}", options.Port, Path.GetFullPath(options.DataDir));
if (options.Demo)
{
    app.Logger.LogInformation("Try http://127.0.0.1:{Port}/user_content/?user_id={User}&query_date={Date:yyyy-MM-dd}",
        options.Port, DemoDataset.FeaturedUser, DemoDataset.LastDate);
}
await app.WaitForShutdownAsync();
return 0;

using Pipeline.Local;

LocalOptions options;
try
{
    options = LocalOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

await using var app = LocalStack.Build(LocalStack.CreateBuilder(options));
await app.StartAsync();
app.Logger.LogInformation("Local stack on http://127.0.0.1:{Port}, data in {DataDir}", options.Port, Path.GetFullPath(options.DataDir));
await app.WaitForShutdownAsync();
return 0;

using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Functions.Framework;
using Pipeline.Functions.Hosting.Logging;

namespace Pipeline.Functions.Hosting;

/// <summary>
/// Runs one function per process under the Functions Framework contract: listens on <c>$PORT</c> (or <c>--port</c>,
/// default 8080), on every interface when deployed (<c>K_SERVICE</c> or <c>DOTNET_RUNNING_IN_CONTAINER</c>) and on
/// loopback otherwise; every path goes to the function but <c>/robots.txt</c> and <c>/favicon.ico</c> (404).
/// The function's services come from the <see cref="FunctionsStartup"/>s its <see cref="FunctionsStartupAttribute"/>s
/// name (Google.Cloud.Functions.Hosting.EntryPoint and its host builder extensions).
/// </summary>
public static class FunctionHost
{
    /// <summary>The port when neither <c>PORT</c> nor <c>--port</c> is given.</summary>
    public const int DefaultPort = 8080;

    /// <summary>
    /// Reads the command line (<see cref="FunctionCommandLine"/>), then builds and runs the host until the process is
    /// asked to stop. <c>--help</c> prints the usage and exits 0; a command line it refuses, configuration that cannot
    /// work (a missing variable, say) or a port already in use stops start-up with one line naming it on stderr and a
    /// non-zero exit code (2 for the command line, 1 otherwise), not a stack trace.
    /// </summary>
    /// <typeparam name="TFunction">The function class.</typeparam>
    /// <param name="args">The command line (<c>--port</c>, and any of <paramref name="variables"/> as <c>--NAME value</c>).</param>
    /// <param name="variables">The configuration variables the function reads (environment variables, or <c>--NAME value</c>), with what each sets, for <c>--help</c> and the command line.</param>
    /// <param name="cancellationToken">Stops the host.</param>
    public static async Task RunAsync<TFunction>(string[] args, IReadOnlyList<(string Name, string Description)> variables, CancellationToken cancellationToken = default)
        where TFunction : class
    {
        var program = typeof(TFunction).Name.EndsWith("Function", StringComparison.Ordinal) ? typeof(TFunction).Name[..^"Function".Length] : typeof(TFunction).Name;
        var command = FunctionCommandLine.Parse(program, args, variables);
        if (command.Help is not null)
        {
            await Console.Out.WriteAsync(command.Help);
            return;
        }
        if (command.Error is not null)
        {
            await Console.Error.WriteLineAsync(command.Error);
            Environment.ExitCode = FunctionCommandLine.UsageError;
            return;
        }
        WebApplicationBuilder builder;
        IReadOnlyList<FunctionsStartup> startups;
        IPAddress address;
        int port;
        try
        {
            startups = FunctionsStartupAttribute.StartupsFor(typeof(TFunction));
            builder = CreateBuilder<TFunction>(args, startups);
            (address, port) = ListenEndpoint(builder.Configuration);
        }
        catch (InvalidOperationException e)
        {
            await Console.Error.WriteLineAsync($"{program} cannot start: {e.Message}");
            Environment.ExitCode = 1;
            return;
        }
        // Configuration keys are case-insensitive and the command line wins over the environment: --port beats PORT.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(address, port));
        await using var app = builder.Build();
        MapFunction<TFunction>(app, startups);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            await Console.Error.WriteLineAsync($"{program} cannot start: port {port} is in use (another program serves on it); stop it, or pick another port: --port {port + 1}.");
            Environment.ExitCode = 1;
            return;
        }
        // After start: with port 0 Kestrel picks the port, and this line says which.
        app.Logger.LogInformation("Serving function {FunctionTarget} on {Url}", typeof(TFunction).FullName, string.Join(", ", app.Urls));
        await app.WaitForShutdownAsync(cancellationToken);
    }

    /// <summary>
    /// Where to listen: <c>PORT</c>/<c>--port</c> (default 8080); every interface when deployed or in a container
    /// (Cloud Run needs 0.0.0.0), loopback otherwise. Throws <see cref="InvalidOperationException"/> when the port is
    /// not one (never a silent fall back to the default).
    /// </summary>
    public static (IPAddress Address, int Port) ListenEndpoint(IConfiguration configuration)
    {
        var configured = configuration["PORT"];
        var port = string.IsNullOrEmpty(configured) ? DefaultPort
            : FunctionCommandLine.PortError("PORT", configured) is { } error ? throw new InvalidOperationException(error + ".")
            : int.Parse(configured, System.Globalization.CultureInfo.InvariantCulture);
        var address = IsDeployed(configuration) || IsInContainer(configuration) ? IPAddress.Any : IPAddress.Loopback;
        return (address, port);
    }

    /// <summary>A builder with the function, the startups' services and the contract's logging; no listener configured.</summary>
    /// <typeparam name="TFunction">The function class.</typeparam>
    /// <param name="args">The command line.</param>
    /// <param name="startups">The startups to run, in order.</param>
    public static WebApplicationBuilder CreateBuilder<TFunction>(string[] args, IReadOnlyList<FunctionsStartup> startups) where TFunction : class
    {
        Environment.SetEnvironmentVariable("ASPNETCORE_URLS", null);
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = CloudEventRequestReader.MaxBodyBytes;
        });
        var context = new WebHostBuilderContext { HostingEnvironment = builder.Environment, Configuration = builder.Configuration };
        foreach (var startup in startups)
        {
            startup.ConfigureAppConfiguration(context, builder.Configuration);
        }
        builder.Logging.AddFunctionConsole(IsDeployed(builder.Configuration));
        foreach (var startup in startups)
        {
            startup.ConfigureLogging(context, builder.Logging);
            startup.ConfigureServices(context, builder.Services);
        }
        builder.Services.AddFunctionTarget<TFunction>();
        return builder;
    }

    /// <summary>
    /// The contract's pipeline: each startup's middleware, then 404 for robots.txt and favicon.ico, everything else
    /// to the function.
    /// </summary>
    /// <typeparam name="TFunction">The function class.</typeparam>
    /// <param name="app">The application.</param>
    /// <param name="startups">The startups whose <see cref="FunctionsStartup.Configure"/> runs first.</param>
    public static void MapFunction<TFunction>(WebApplication app, IReadOnlyList<FunctionsStartup> startups) where TFunction : class
    {
        var context = new WebHostBuilderContext { HostingEnvironment = app.Environment, Configuration = app.Configuration };
        foreach (var startup in startups)
        {
            startup.Configure(context, app);
        }
        app.Map("/robots.txt", NotFound);
        app.Map("/favicon.ico", NotFound);
        app.Run(FunctionTarget.RequestDelegate<TFunction>());
    }

    private static void NotFound(IApplicationBuilder branch) =>
        branch.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });

    private static bool IsDeployed(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["K_SERVICE"]);

    private static bool IsInContainer(IConfiguration configuration) =>
        string.Equals(configuration["DOTNET_RUNNING_IN_CONTAINER"], "true", StringComparison.OrdinalIgnoreCase);
}

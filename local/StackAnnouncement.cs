using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Pipeline.Local.PubSub;

namespace Pipeline.Local;

/// <summary>
/// Says where the stack is, as the first lines of its output: <c>Local stack on http://127.0.0.1:&lt;port&gt;, data in
/// …</c> and the Pub/Sub emulator's address. Registered before every other hosted service, it speaks once the server is
/// bound (<see cref="IHostedLifecycleService.StartedAsync"/>, the free ports known) and before the services that
/// start after the server (<see cref="StartedAfterServer{TService}"/>) say anything. Silent on a server with no
/// addresses (the tests' in-memory one).
/// </summary>
public sealed class StackAnnouncement(IServiceProvider services, LocalOptions options, ILogger<StackAnnouncement> logger) : IHostedLifecycleService
{
    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        if (services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>() is not { Addresses.Count: > 0 })
        {
            return Task.CompletedTask;
        }
        logger.LogInformation("Local stack on {Root}, data in {DataDir} (Ctrl+C stops it)", LocalAddresses.Root(services), Path.GetFullPath(options.DataDir));
        var pubSub = services.GetRequiredService<PubSubListener>();
        logger.LogInformation("Pub/Sub emulator API (gRPC) on {EmulatorHost}: PUBSUB_EMULATOR_HOST=localhost:{PubSubPort}", pubSub.EmulatorHost, pubSub.Port);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

namespace Pipeline.Local;

/// <summary>
/// Starts <typeparamref name="TService"/> once the server is bound and the stack has said where it is
/// (<see cref="IHostedLifecycleService.StartedAsync"/>), not before the server as hosted services otherwise start; stops
/// it with the host.
/// </summary>
/// <typeparam name="TService">The hosted service to start late (the bucket watcher).</typeparam>
public sealed class StartedAfterServer<TService>(TService service) : IHostedLifecycleService where TService : IHostedService
{
    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => service.StartAsync(cancellationToken);

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => service.StopAsync(cancellationToken);

    /// <inheritdoc />
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

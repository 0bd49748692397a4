using Microsoft.Extensions.DependencyInjection;
using Pipeline.Domain.Backfill;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// The embedded engine's parts wired as <see cref="DuckDbServiceCollectionExtensions.AddDuckDbWarehouse(IServiceCollection, DuckDbOptions)"/>
/// wires them, for code without a host (the <c>load</c> command, tests, benchmarks). Disposing it finishes queued
/// writes and closes the file.
/// </summary>
public sealed class DuckDbEngine : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    /// <summary>The engine on <paramref name="options"/>; nothing is opened until first use.</summary>
    /// <param name="options">The database file, table names and local bucket directory.</param>
    /// <param name="clock">Stamps backfill attempts; <see cref="TimeProvider.System"/> when not given.</param>
    public DuckDbEngine(DuckDbOptions options, TimeProvider? clock = null)
    {
        var services = new ServiceCollection();
        if (clock is not null)
        {
            services.AddSingleton(clock);
        }
        _services = services.AddDuckDbWarehouse(options).BuildServiceProvider();
    }

    /// <summary>The file and its connections.</summary>
    public DuckDbDatabase Database => _services.GetRequiredService<DuckDbDatabase>();

    /// <summary>The port: ingest writes and UserContent's read.</summary>
    public DuckDbWarehouse Warehouse => _services.GetRequiredService<DuckDbWarehouse>();

    /// <summary>UserContent's read, from memory once built.</summary>
    public DuckDbServingCache Serving => _services.GetRequiredService<DuckDbServingCache>();

    /// <summary>The backfill use case over this engine's load_log, sink and bucket directory.</summary>
    public CsvBackfill Backfill => _services.GetRequiredService<CsvBackfill>();

    /// <summary>The load_log and the dead letters, read back.</summary>
    public DuckDbInspection Inspection => _services.GetRequiredService<DuckDbInspection>();

    /// <summary>Disposes every part, the writes first and the file last.</summary>
    public ValueTask DisposeAsync() => _services.DisposeAsync();
}

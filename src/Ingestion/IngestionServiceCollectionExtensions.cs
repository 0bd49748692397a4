using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Pipeline.Ingestion;

/// <summary>Registers what the Pub/Sub ingest functions share; the warehouse is registered separately.</summary>
public static class IngestionServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="PubSubIngestion"/> as a singleton, and the system clock unless a <see cref="TimeProvider"/> is
    /// already registered. An <see cref="Pipeline.Domain.IWarehouse"/> must be registered too.
    /// </summary>
    public static IServiceCollection AddPubSubIngestion(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PubSubIngestion>();
        return services;
    }
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Pipeline.Ingestion;

public static class IngestionServiceCollectionExtensions
{
    public static IServiceCollection AddPubSubIngestion(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PubSubIngestion>();
        return services;
    }
}

using Pipeline.Warehouse;
using Pipeline.Warehouse.Rows;

namespace Pipeline.Local.Demo;

/// <summary>Writes the <see cref="DemoDataset"/> into the warehouse; idempotent, so a second <c>--demo</c> adds nothing.</summary>
public sealed class DemoLoader(IWarehouse warehouse, TimeProvider clock, ILogger<DemoLoader> logger)
{
    private const int BatchSize = 10_000;

    public async Task LoadAsync(DemoDataset dataset, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var chunk in dataset.ContentCategories().Chunk(BatchSize))
        {
            await warehouse.WriteAsync(new IngestBatch([], chunk, [], now), cancellationToken);
        }
        foreach (var chunk in dataset.Interactions().Chunk(BatchSize))
        {
            await warehouse.WriteAsync(new IngestBatch(chunk, [], [], now), cancellationToken);
        }
        logger.LogInformation("Demo data loaded: {Interactions} interactions, user {User} is the featured reader up to {Date:yyyy-MM-dd}",
            DemoDataset.InteractionCount, DemoDataset.FeaturedUser, DemoDataset.LastDate);
    }
}

using Pipeline.Domain.Schema;

namespace Pipeline.Domain;

/// <summary>
/// Where the four tables of <see cref="WarehouseSchema"/> are, by default their declared names. Names are
/// configuration, so users can point at existing tables of the same shape.
/// </summary>
public sealed record TableNames
{
    /// <summary>Reading events (<see cref="WarehouseSchema.UserInteraction"/>).</summary>
    public string Interactions { get; init; } = WarehouseSchema.UserInteraction.Name;

    /// <summary>Content categories (<see cref="WarehouseSchema.ContentMeta"/>).</summary>
    public string ContentMeta { get; init; } = WarehouseSchema.ContentMeta.Name;

    /// <summary>The dead letters (<see cref="WarehouseSchema.IngestErrors"/>).</summary>
    public string IngestErrors { get; init; } = WarehouseSchema.IngestErrors.Name;

    /// <summary>The backfill's attempts (<see cref="WarehouseSchema.LoadLog"/>).</summary>
    public string LoadLog { get; init; } = WarehouseSchema.LoadLog.Name;
}

namespace Pipeline.Domain.Rows;

/// <summary>
/// Everything one delivery produced, written together: the valid rows and the refused ones.
/// A warehouse writes a batch atomically where the engine allows, and idempotently by event id always.
/// </summary>
public sealed record IngestBatch(
    IReadOnlyList<Interaction> Interactions,
    IReadOnlyList<ContentMeta> ContentMeta,
    IReadOnlyList<DeadLetter> DeadLetters,
    DateTime ReceivedAt)
{
    /// <summary>How many rows the batch writes, dead letters included.</summary>
    public int Count => Interactions.Count + ContentMeta.Count + DeadLetters.Count;
}

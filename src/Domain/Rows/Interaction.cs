namespace Pipeline.Domain.Rows;

/// <summary>One reading event: a user read <see cref="ReadPercent"/> of a content at <see cref="UpdatedAt"/> (UTC).</summary>
public sealed record Interaction(string EventId, long UserId, long ContentId, double ReadPercent, DateTime UpdatedAt);

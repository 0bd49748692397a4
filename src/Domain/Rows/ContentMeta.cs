namespace Pipeline.Domain.Rows;

/// <summary>One content_meta record: a content belongs to a category (a content may have several).</summary>
public sealed record ContentMeta(string EventId, long ContentId, string CategoryName, DateTime? UpdatedAt);

namespace Pipeline.Domain.Query;

/// <summary>How many distinct finished reads of a window fall in a category.</summary>
public sealed record CategoryCount(string Category, long Count);

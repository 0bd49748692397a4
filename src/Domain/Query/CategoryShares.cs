namespace Pipeline.Domain.Query;

/// <summary>
/// The UserContent answer: each category's count divided by the sum of all counts, so the shares sum to 1
/// (a read of a content in three categories counts once in each). Largest share first, then by name.
/// </summary>
public static class CategoryShares
{
    /// <summary>The shares of <paramref name="counts"/>, in answer order; empty when nothing was read.</summary>
    public static IReadOnlyList<KeyValuePair<string, double>> From(IReadOnlyCollection<CategoryCount> counts)
    {
        var total = counts.Sum(c => c.Count);
        return total == 0
            ? []
            : counts.OrderByDescending(c => c.Count)
                .ThenBy(c => c.Category, StringComparer.Ordinal)
                .Select(c => KeyValuePair.Create(c.Category, (double)c.Count / total))
                .ToList();
    }
}

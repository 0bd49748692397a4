using System.Collections.Immutable;
using Pipeline.Domain.Rows;

namespace Pipeline.Local.Demo;

/// <summary>
/// A deterministic, seed-like dataset: the seed's twenty categories with its proportions, a few thousand users
/// (65045 among them), about 100k interactions over the six months before 2022-03-27, contents in one to three categories.
/// </summary>
/// <param name="seed">Seeds the generator: the same seed gives the same rows.</param>
public sealed class DemoDataset(int seed = 65045)
{
    /// <summary>The seed's sample user: one read in twenty-five is theirs, so their UserContent answer is full.</summary>
    public const long FeaturedUser = 65045;

    /// <summary>How many other users read (ids from 100000).</summary>
    public const int Users = 3000;

    /// <summary>How many contents there are, each in one to three categories.</summary>
    public const int Contents = 8000;

    /// <summary>How many interactions <see cref="Interactions"/> yields.</summary>
    public const int InteractionCount = 100_000;

    /// <summary>The date of the last reads, the seed's sample query date.</summary>
    public static readonly DateOnly LastDate = new(2022, 3, 27);

    /// <summary>The twenty categories of the seed's sample answer.</summary>
    public static IReadOnlyList<string> Categories => s_categories.Select(c => c.Name).ToList();

    /// <summary>The categories of the seed's sample answer, with its shares as weights.</summary>
    private static readonly ImmutableArray<(string Name, double Weight)> s_categories =
    [
        ("romance", 0.296), ("novels", 0.156), ("suspense", 0.085), ("family", 0.077), ("action-and-adventure", 0.065),
        ("women", 0.054), ("Pratilipi-Awards-Hindi", 0.049), ("life", 0.039), ("webseries", 0.037), ("social", 0.027),
        ("drama", 0.027), ("shortstories", 0.025), ("entertainment", 0.020), ("erotica", 0.018), ("crime", 0.009),
        ("Serieswriting", 0.008), ("horror", 0.002), ("fantasy", 0.002), ("swahindi2", 0.002), ("detective", 0.0016),
    ];

    /// <summary>The categories of every content, one row per (content, category), with no <c>updated_at</c>.</summary>
    public IEnumerable<ContentMeta> ContentMeta()
    {
        var random = new Random(seed);
        var id = 0;
        for (var content = 1; content <= Contents; content++)
        {
            var categoryCount = random.Next(1, 4);
            foreach (var category in Enumerable.Range(0, categoryCount).Select(_ => PickCategory(random)).Distinct())
            {
                yield return new ContentMeta($"demo-content-{id++}", ContentId(content), category, null);
            }
        }
    }

    /// <summary>
    /// <see cref="InteractionCount"/> reads over the 180 days ending on <see cref="LastDate"/>, about 60% of them
    /// finished (above 90%).
    /// </summary>
    public IEnumerable<Interaction> Interactions()
    {
        var random = new Random(seed + 1);
        var end = LastDate.ToDateTime(new TimeOnly(23, 59, 59), DateTimeKind.Utc);
        const int spanSeconds = 180 * 24 * 3600;
        for (var i = 0; i < InteractionCount; i++)
        {
            // One in twenty-five reads is the featured user's, half of those in the last two weeks.
            var featured = i % 25 == 0;
            var user = featured ? FeaturedUser : 100_000 + random.Next(Users);
            var secondsBack = featured && i % 50 == 0 ? random.Next(14 * 24 * 3600) : random.Next(spanSeconds);
            var percent = random.NextDouble() < 0.6 ? 90.5 + random.NextDouble() * 9.5 : random.NextDouble() * 90;
            yield return new Interaction($"demo-read-{i}", user, ContentId(1 + random.Next(Contents)),
                Math.Round(percent, 2), end.AddSeconds(-secondsBack));
        }
    }

    private static long ContentId(int index) => 1_000_000_000_000L + index;

    private static string PickCategory(Random random)
    {
        var total = s_categories.Sum(c => c.Weight);
        var pick = random.NextDouble() * total;
        foreach (var (name, weight) in s_categories)
        {
            if ((pick -= weight) <= 0)
            {
                return name;
            }
        }
        return s_categories[^1].Name;
    }
}

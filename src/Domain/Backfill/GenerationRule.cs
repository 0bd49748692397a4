namespace Pipeline.Domain.Backfill;

/// <summary>
/// What one attempt at an object generation does, given the object's load_log — the one place this is decided:
/// <list type="bullet">
/// <item>a generation already loaded is skipped (a redelivered event);</item>
/// <item>a generation older than the newest loaded one is skipped as superseded (a late event);</item>
/// <item>a generation that failed is final and skipped: the same bytes fail the same way, and a fixed file is a new
/// generation (re-uploading it gives one);</item>
/// <item>otherwise it loads, replacing the rows of the older generation when one is loaded.</item>
/// </list>
/// Generations are compared as numbers (Cloud Storage generations; local modification times in µs).
/// </summary>
public static class GenerationRule
{
    /// <summary>
    /// Decides what to do with <paramref name="generation"/> of an object, given every load_log row of that object
    /// into the same target; the decision's <see cref="LoadDecision.Basis"/> is the number of rows it was decided on.
    /// </summary>
    public static LoadDecision Decide(IReadOnlyList<LoadLogEntry> history, long generation) =>
        DecideOn(history, generation) with { Basis = history.Count };

    private static LoadDecision DecideOn(IReadOnlyList<LoadLogEntry> history, long generation)
    {
        var outcomes = history
            .Select(e => (e.Status, Generation: long.TryParse(e.Generation, out var g) ? g : (long?)null, e.Error))
            .Where(e => e.Generation is not null)
            .ToList();
        var newestLoaded = outcomes.Where(o => o.Status == Status(LoadStatus.Loaded)).Select(o => o.Generation!.Value).DefaultIfEmpty(-1).Max();
        if (newestLoaded == generation)
        {
            return LoadDecision.Skip($"generation {generation} is already loaded");
        }
        if (newestLoaded > generation)
        {
            return LoadDecision.Skip($"superseded: generation {newestLoaded} is already loaded");
        }
        if (outcomes.FirstOrDefault(o => o.Status == Status(LoadStatus.Failed) && o.Generation == generation) is { Status: not null } failed)
        {
            return LoadDecision.Skip($"generation {generation} already failed: {failed.Error}");
        }
        return LoadDecision.Load(replacing: newestLoaded >= 0);
    }

    /// <summary>A status as load_log spells it.</summary>
    public static string Status(LoadStatus status) => status switch
    {
        LoadStatus.Loaded => "loaded",
        LoadStatus.Failed => "failed",
        _ => "skipped",
    };
}

/// <summary>
/// Skip with a reason, or load (replacing an older generation's rows or not). <see cref="Basis"/> is how many
/// load_log rows of the object it was decided on: an engine whose commits another process may race checks, inside
/// the commit's transaction, that the object's load_log still has that many rows, and otherwise fails the commit so
/// the event is delivered again and decided anew.
/// </summary>
/// <param name="SkipReason">Why nothing is loaded (the outcome's error); null when the generation loads.</param>
/// <param name="Replacing">Whether the commit also deletes the rows an older generation of the object loaded.</param>
public sealed record LoadDecision(string? SkipReason, bool Replacing)
{
    /// <summary>How many of the object's load_log rows the decision was made on.</summary>
    public int Basis { get; init; }

    /// <summary>Load nothing, recording a skipped outcome with <paramref name="reason"/>.</summary>
    public static LoadDecision Skip(string reason) => new(reason, false);

    /// <summary>Load the generation, replacing the older loaded generation's rows when <paramref name="replacing"/>.</summary>
    public static LoadDecision Load(bool replacing) => new(null, replacing);
}

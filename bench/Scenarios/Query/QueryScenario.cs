namespace Pipeline.Bench.Scenarios.Query;

/// <summary>
/// UserContent over generated readers (<see cref="QueryData"/>), in two layouts — rows in random order and in time
/// order — each measured by a <see cref="QueryPhase"/>: over HTTP at concurrency 1 (p50, p99, share of non-empty
/// answers) and 32 (throughput against the bare endpoint), in-process against the seed's SQL on a sample whose answers
/// must all agree with it, start-up on the data, peak RSS. <c>query</c> runs 10 M rows; <c>query-50m</c> runs 10 M
/// and then 50 M, so that the growth of p50 is measured within one run, and holds the 50 M phases to the memory and
/// start-up targets.
/// </summary>
public static class QueryScenario
{
    private static readonly QueryLayout[] s_layouts = [QueryLayout.Random, QueryLayout.Time];

    public static Task<BenchResult> RunAsync(Sizes sizes, string workDir) => RunAsync("query", [sizes.QueryRows], sizes, workDir);

    public static Task<BenchResult> RunLargeAsync(Sizes sizes, string workDir) =>
        RunAsync("query-50m", [sizes.QueryRows, sizes.QueryLargeRows], sizes, workDir);

    private static async Task<BenchResult> RunAsync(string name, long[] rowCounts, Sizes sizes, string workDir)
    {
        var figures = new Dictionary<string, double>();
        var targets = new List<(string Figure, bool AtMost, double Value)>();
        var phasePeaks = true;
        foreach (var rows in rowCounts)
        {
            foreach (var layout in s_layouts)
            {
                var data = new QueryData(layout, rows, sizes.QueryContents);
                var (phase, phasePeak) = await new QueryPhase(data, sizes, workDir).RunAsync();
                phasePeaks &= phasePeak;
                foreach (var (figure, value) in phase)
                {
                    figures[$"{data.Label}_{figure}"] = value;
                }
                targets.AddRange(Targets(data.Label, large: rows == sizes.QueryLargeRows));
            }
        }
        if (rowCounts.Length == 2)
        {
            var (small, large) = (QueryData.SizeLabel(rowCounts[0]), QueryData.SizeLabel(rowCounts[1]));
            foreach (var layout in s_layouts.Select(l => l.ToString().ToLowerInvariant()))
            {
                figures[$"{layout}_p50_growth"] = figures[$"{layout}_{large}_http_c1_p50_ms"] / figures[$"{layout}_{small}_http_c1_p50_ms"];
                targets.Add(($"{layout}_p50_growth", true, 1.5));
            }
        }
        return new BenchResult(name, figures,
            [.. targets.Select(t => t.AtMost ? Target.AtMost(figures, t.Figure, t.Value) : Target.AtLeast(figures, t.Figure, t.Value))],
            Note(phasePeaks));
    }

    private static IEnumerable<(string Figure, bool AtMost, double Value)> Targets(string label, bool large)
    {
        yield return ($"{label}_http_failures", true, 0);
        yield return ($"{label}_answer_mismatches", true, 0);
        yield return ($"{label}_non_empty_share", false, 0.9);
        yield return ($"{label}_http_c1_p50_ms", true, 1);
        yield return ($"{label}_http_c1_p99_ms", true, 5);
        yield return ($"{label}_http_c32_ratio_to_bare", false, 0.4);
        yield return ($"{label}_in_process_speedup", false, 20);
        yield return ($"{label}_peak_rss_mb", true, 2048);
        yield return ($"{label}_serves_from_memory", false, 1);
        if (large)
        {
            yield return ($"{label}_serving_from_memory_s", true, 10);
        }
    }

    private static string Note(bool phasePeaks) =>
        $"Readers: {QueryData.ReadsPerReader} reads each over {QueryData.Days} days from {QueryData.FirstDate:yyyy-MM-dd} "
        + "(users = rows / 200), 45 % finished, 1-3 categories a content; requests: uniform readers, query dates inside the data. "
        + "startup_s: a new stack on the generated data until its first UserContent answer; serving_from_memory_s: until the "
        + "answers come from memory (the restart's rebuild); settle_s: until the process then "
        + "went quiet (under 0.1 core for 0.5 s, capped at 300 s); then a warm-up of every path, quiet again, and the "
        + "measurements. in_process: the product's CountCategoriesAsync vs the seed's SQL (bounds bound to the product's "
        + "window) on the first 200 requests; answer_mismatches counts the answers that differ. "
        + (phasePeaks
            ? "peak_rss_mb: the peak from the restart on, generate_peak_rss_mb: while generating (each reset through "
                + "/proc/self/clear_refs; what the process still held is in both, see rss_at_restart_mb)."
            : "peak RSS could not be reset here: every peak_rss_mb is the process's, generation and earlier phases included.");
}

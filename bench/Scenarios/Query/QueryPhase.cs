using System.Diagnostics;
using Pipeline.Domain.Query;
using Pipeline.Warehouse.DuckDb;

namespace Pipeline.Bench.Scenarios.Query;

/// <summary>
/// One (layout, size): generate the data behind a first stack, dispose it, start a fresh stack on the same data
/// directory (the start-up figures: what a restart costs), then measure that stack. The product is only asked through
/// HTTP and <see cref="DuckDbWarehouse.CountCategoriesAsync"/>; how it computes the answer is its own business — but
/// whatever it builds when it opens sees all the data, because the data was written before it opened.
/// </summary>
public sealed class QueryPhase(QueryData data, Sizes sizes, string workDir)
{
    private const int Concurrency = 32;
    private const int InProcessSample = 200;
    private const int WarmUpRequests = 100;
    private static readonly TimeSpan s_settleLimit = TimeSpan.FromSeconds(300);
    private static readonly TimeSpan s_loadLimit = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The phase's figures, unprefixed (the scenario names them <c>&lt;label&gt;_&lt;figure&gt;</c>), and whether
    /// peak_rss_mb is the serving phase's own (its peak was reset before the restart) or the process's.
    /// </summary>
    public async Task<(Dictionary<string, double> Figures, bool PhasePeak)> RunAsync()
    {
        var dataDir = Path.Combine(workDir, "query", data.Label);
        var figures = new Dictionary<string, double>
        {
            ["rows"] = data.Rows,
            ["users"] = data.Users,
            ["contents"] = data.Contents,
        };
        await QuiesceAsync();
        Rss.ResetPeak();
        await GenerateAsync(dataDir, figures);
        figures["generate_peak_rss_mb"] = Rss.PeakMegabytes();

        // The serving phase's own peak RSS from here on (what this process still holds from generating or from an
        // earlier phase is in it: rss_at_restart_mb).
        await QuiesceAsync();
        var phasePeak = Rss.ResetPeak();
        figures["rss_at_restart_mb"] = Rss.CurrentMegabytes();

        var requests = data.Requests(sizes.QueryRequests, seed: 7);
        var startup = Stopwatch.StartNew();
        var stack = await BenchStack.OpenAsync(dataDir);
        try
        {
            var failures = (await GetAsync(stack, Url(requests[0]))).Ok ? 0 : 1;
            figures["startup_s"] = startup.Elapsed.TotalSeconds;
            // The restart's real cost: until UserContent answers from memory (the SQL answers until then).
            var serving = stack.App.Services.GetRequiredService<Pipeline.Warehouse.DuckDb.DuckDbServingCache>();
            await serving.PrepareAsync();
            figures["serving_from_memory_s"] = startup.Elapsed.TotalSeconds;
            figures["serves_from_memory"] = serving.ServesFromMemory ? 1 : 0;
            figures["settle_s"] = (await Settling.WaitAsync(startup, s_settleLimit)).TotalSeconds;

            // Every path measured below, once over, then quiet again (the JIT's second tier in place): the steady state.
            await WarmUpAsync(stack);
            await Settling.WaitAsync(Stopwatch.StartNew(), s_settleLimit);

            failures += await ConcurrencyOneAsync(stack, requests, figures);
            failures += await ConcurrencyManyAsync(stack, figures);
            figures["http_failures"] = failures;
            await InProcessAsync(stack, requests.Take(InProcessSample).ToArray(), figures);
            figures["peak_rss_mb"] = Rss.PeakMegabytes();
        }
        finally
        {
            await stack.DisposeAsync();
            Directory.Delete(dataDir, recursive: true);
        }
        return (figures, phasePeak);
    }

    /// <summary>
    /// What earlier stacks left collected and given back to the system, and nothing left running (the JIT's backlog,
    /// say), so that what comes next — its memory, its CPU after a start — is its own.
    /// </summary>
    private static async Task QuiesceAsync()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        await Settling.WaitAsync(Stopwatch.StartNew(), s_settleLimit);
    }

    private async Task GenerateAsync(string dataDir, Dictionary<string, double> figures)
    {
        await using var stack = await BenchStack.StartAsync(dataDir);
        var database = stack.App.Services.GetRequiredService<DuckDbDatabase>();
        await using var connection = await database.OpenReaderAsync(default);
        var clock = Stopwatch.StartNew();
        await data.GenerateAsync(connection);
        figures["generate_s"] = clock.Elapsed.TotalSeconds;
        figures["row_group_span_days"] = await QueryData.RowGroupSpanDaysAsync(connection);
    }

    /// <summary>Requests of their own (not those measured) on every path: HTTP at 1 and 32, bare, in-process, the seed's SQL.</summary>
    private async Task WarmUpAsync(BenchStack stack)
    {
        var windows = data.Requests(WarmUpRequests, seed: 8);
        foreach (var window in windows)
        {
            await GetAsync(stack, Url(window));
        }
        await LoadDriver.RunAsync(10 * windows.Length, Concurrency, async i => (await GetAsync(stack, Url(windows[i % windows.Length]))).Ok);
        await LoadDriver.RunAsync(10 * windows.Length, Concurrency, async _ => (await GetAsync(stack, "bench/bare")).Ok);
        var database = stack.App.Services.GetRequiredService<DuckDbDatabase>();
        await using var connection = await database.OpenReaderAsync(default);
        foreach (var window in windows.Take(20))
        {
            await stack.App.Services.GetRequiredService<DuckDbWarehouse>().CountCategoriesAsync(window, default);
            await SeedQuery.CountAsync(connection, window);
        }
    }

    /// <summary>p50 and p99 one request at a time, and the share of answers that are not <c>{}</c>.</summary>
    private static async Task<int> ConcurrencyOneAsync(BenchStack stack, ReadingWindow[] requests, Dictionary<string, double> figures)
    {
        var nonEmpty = 0;
        var run = await LoadDriver.RunAsync(requests.Length, 1, async i =>
        {
            var (ok, body) = await GetAsync(stack, Url(requests[i]));
            if (ok && body != "{}")
            {
                Interlocked.Increment(ref nonEmpty);
            }
            return ok;
        });
        figures["http_c1_requests"] = run.Requests;
        figures["http_c1_p50_ms"] = run.Percentile(50);
        figures["http_c1_p99_ms"] = run.Percentile(99);
        figures["non_empty_share"] = (double)nonEmpty / run.Requests;
        return run.Failures;
    }

    /// <summary>
    /// Throughput at concurrency 32, against the bare endpoint of the same host at the same concurrency; each run stops
    /// starting requests after 20 s (a slow product would otherwise take minutes at 50 M).
    /// </summary>
    private async Task<int> ConcurrencyManyAsync(BenchStack stack, Dictionary<string, double> figures)
    {
        var requests = data.Requests(sizes.QueryLoadRequests, seed: 9);
        var query = await LoadDriver.RunAsync(requests.Length, Concurrency, async i => (await GetAsync(stack, Url(requests[i]))).Ok, s_loadLimit);
        var bare = await LoadDriver.RunAsync(requests.Length, Concurrency, async _ => (await GetAsync(stack, "bench/bare")).Ok, s_loadLimit);
        figures["http_c32_requests"] = query.Requests;
        figures["http_c32_per_s"] = query.PerSecond;
        figures["http_c32_p99_ms"] = query.Percentile(99);
        figures["bare_c32_per_s"] = bare.PerSecond;
        figures["http_c32_ratio_to_bare"] = query.PerSecond / bare.PerSecond;
        return query.Failures + bare.Failures;
    }

    /// <summary>
    /// The product's query and the seed's SQL, one after the other on the same sample, each timed over the whole
    /// sample; then every answer compared (a difference is a mismatch, whatever the speed).
    /// </summary>
    private static async Task InProcessAsync(BenchStack stack, ReadingWindow[] sample, Dictionary<string, double> figures)
    {
        var warehouse = stack.App.Services.GetRequiredService<DuckDbWarehouse>();
        var ours = new IReadOnlyList<CategoryCount>[sample.Length];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < sample.Length; i++)
        {
            ours[i] = await warehouse.CountCategoriesAsync(sample[i], default);
        }
        var oursMs = clock.Elapsed.TotalMilliseconds / sample.Length;

        await using var connection = await stack.App.Services.GetRequiredService<DuckDbDatabase>().OpenReaderAsync(default);
        var seed = new Dictionary<string, long>[sample.Length];
        clock.Restart();
        for (var i = 0; i < sample.Length; i++)
        {
            seed[i] = await SeedQuery.CountAsync(connection, sample[i]);
        }
        var seedMs = clock.Elapsed.TotalMilliseconds / sample.Length;

        figures["in_process_requests"] = sample.Length;
        figures["in_process_ms"] = oursMs;
        figures["seed_sql_ms"] = seedMs;
        figures["in_process_speedup"] = seedMs / oursMs;
        figures["answer_mismatches"] = Enumerable.Range(0, sample.Length).Count(i => !Same(ours[i], seed[i]));
        figures["mean_counts_per_answer"] = ours.Average(counts => counts.Sum(c => c.Count));
    }

    private static bool Same(IReadOnlyList<CategoryCount> ours, Dictionary<string, long> seed) =>
        ours.Count == seed.Count && ours.All(c => seed.TryGetValue(c.Category, out var count) && count == c.Count);

    private static async Task<(bool Ok, string Body)> GetAsync(BenchStack stack, string url)
    {
        using var response = await stack.Client.GetAsync(url);
        return (response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Url(ReadingWindow window) => $"user_content/?user_id={window.UserId}&query_date={window.QueryDate:yyyy-MM-dd}";
}

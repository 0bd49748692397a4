using System.Diagnostics;
using DuckDB.NET.Data;
using Pipeline.Warehouse;
using Pipeline.Warehouse.DuckDb;
using Pipeline.Warehouse.Query;

namespace Pipeline.Bench.Scenarios;

/// <summary>
/// Interactions of many users over a year (deterministic), then random (user, date) UserContent requests over
/// HTTP — p50/p99 — and, in-process on the same data, the product's query against the seed's SQL.
/// </summary>
public static class QueryScenario
{
    private const int InProcessRequests = 200;

    /// <summary>The seed's query, in DuckDB's dialect and otherwise unchanged (its literals bound as parameters).</summary>
    private const string SeedSql = """
        select list(struct_pack(category_name := category_name, category_count := category_count)) as json_val from (
            select user_id, category_name, count(*) as category_count from (
                    SELECT A.*, B.category_name from (
                        SELECT * FROM user_interaction
                        WHERE updated_at >= ? and updated_at <= ? and user_id = ? and read_percent > 90
                    ) as A
                    inner join
                    (
                        SELECT * FROM content_meta
                    ) as B on A.content_id=B.content_id
            ) group by user_id, category_name
        ) group by user_id
        """;

    public static async Task<BenchResult> RunAsync(Sizes sizes, string workDir)
    {
        await using var stack = await BenchStack.StartAsync(Path.Combine(workDir, "query"));
        var warehouse = stack.App.Services.GetRequiredService<DuckDbWarehouse>();
        var generate = Stopwatch.StartNew();
        await GenerateAsync(warehouse, sizes);
        var generateSeconds = generate.Elapsed.TotalSeconds;

        var random = new Random(7);
        var first = new DateOnly(2021, 3, 27);
        var requests = Enumerable.Range(0, sizes.QueryRequests)
            .Select(_ => new ReadingWindow(random.Next(sizes.QueryUsers), first.AddDays(random.Next(365))))
            .ToArray();
        foreach (var warm in requests.Take(20))
        {
            await stack.Client.GetStringAsync(Url(warm));
        }
        var http = await LoadDriver.RunAsync(requests.Length, 1, async i =>
        {
            using var response = await stack.Client.GetAsync(Url(requests[i]));
            return response.IsSuccessStatusCode;
        });

        var sample = requests.Take(InProcessRequests).ToArray();
        var ours = Stopwatch.StartNew();
        foreach (var window in sample)
        {
            await warehouse.CountCategoriesAsync(window, default);
        }
        var oursMs = ours.Elapsed.TotalMilliseconds / sample.Length;
        var seedMs = await SeedAsync(warehouse, sample);

        var figures = new Dictionary<string, double>
        {
            ["interactions"] = sizes.QueryRows,
            ["users"] = sizes.QueryUsers,
            ["contents"] = sizes.QueryContents,
            ["generate_s"] = generateSeconds,
            ["http_requests"] = requests.Length,
            ["http_failures"] = http.Failures,
            ["http_p50_ms"] = http.Percentile(50),
            ["http_p99_ms"] = http.Percentile(99),
            ["in_process_ms"] = oursMs,
            ["seed_sql_in_process_ms"] = seedMs,
            ["speedup_vs_seed"] = seedMs / oursMs,
            ["peak_rss_mb"] = Rss.PeakMegabytes(),
        };
        return new BenchResult("query", figures,
        [
            Target.AtMost(figures, "http_p99_ms", 10),
            Target.AtLeast(figures, "speedup_vs_seed", 20),
            Target.AtMost(figures, "http_failures", 0),
            Target.AtMost(figures, "peak_rss_mb", 2048),
        ]);
    }

    private static string Url(ReadingWindow window) => $"user_content/?user_id={window.UserId}&query_date={window.QueryDate:yyyy-MM-dd}";

    private static async Task<double> SeedAsync(DuckDbWarehouse warehouse, ReadingWindow[] sample)
    {
        await using var connection = await warehouse.OpenReaderAsync(default);
        var clock = Stopwatch.StartNew();
        foreach (var window in sample)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = SeedSql;
            // The seed's bounds: the first date's midnight to the query date's midnight, as its string literals meant.
            command.Parameters.Add(new DuckDBParameter(window.FromUtc));
            command.Parameters.Add(new DuckDBParameter(window.QueryDate.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc)));
            command.Parameters.Add(new DuckDBParameter(window.UserId));
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
            }
        }
        return clock.Elapsed.TotalMilliseconds / sample.Length;
    }

    /// <summary>Rows straight into the product's tables (created by the warehouse), by SQL over range() with hash-based values.</summary>
    private static async Task GenerateAsync(DuckDbWarehouse warehouse, Sizes sizes)
    {
        await using var connection = await warehouse.OpenReaderAsync(default);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            INSERT INTO user_interaction
            SELECT 'bench:' || i, (hash(i) % {sizes.QueryUsers})::BIGINT, (hash(i * 7 + 1) % {sizes.QueryContents})::BIGINT,
                   (hash(i * 13 + 2) % 10001)::DOUBLE / 100, TIMESTAMP '2020-03-27' + to_seconds((hash(i * 17 + 3) % (366 * 86400))::BIGINT),
                   TIMESTAMP '2022-01-01'
            FROM range({sizes.QueryRows}) t(i);
            INSERT INTO content_meta
            SELECT 'bench:' || i || ':' || k, i, 'category-' || (hash(i * 31 + k) % 20), NULL, TIMESTAMP '2022-01-01'
            FROM range({sizes.QueryContents}) t(i), range(3) r(k)
            WHERE k <= hash(i) % 3;
            """;
        await command.ExecuteNonQueryAsync();
    }
}

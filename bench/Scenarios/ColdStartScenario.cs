using System.Collections.Immutable;
using System.Diagnostics;
using Pipeline.Hosting.Eventarc;
using Pipeline.Hosting.Events;

namespace Pipeline.Bench.Scenarios;

/// <summary>Process start to first 200 for each production function, as Cloud Run would start it (Release build, DuckDB).</summary>
public static class ColdStartScenario
{
    private const int Runs = 3;
    private static readonly ImmutableArray<string> s_functions = ["IngestInteraction", "IngestContent", "UserContent", "BackfillCsv"];

    public static async Task<BenchResult> RunAsync(Sizes sizes, string workDir)
    {
        var root = Repository.Root();
        var figures = new Dictionary<string, double>();
        var databases = Path.Combine(workDir, "coldstart");
        if (Directory.Exists(databases))
        {
            Directory.Delete(databases, recursive: true);
        }
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        foreach (var function in s_functions)
        {
            var dll = Path.Combine(root, "functions", function, "bin", "Release", "net10.0", function + ".dll");
            if (!File.Exists(dll))
            {
                Run("dotnet", $"build -c Release \"{Path.Combine(root, "functions", function)}\" --nologo -v q");
            }
            var times = new List<double>();
            for (var run = 0; run < Runs; run++)
            {
                times.Add(await StartToFirst200Async(client, function, dll, Path.Combine(workDir, "coldstart", $"{function}-{run}.duckdb")));
            }
            figures[$"{function}_ms"] = times.Order().ElementAt(Runs / 2);
        }
        figures["max_ms"] = s_functions.Max(f => figures[$"{f}_ms"]);
        return new BenchResult("coldstart", figures, [Target.AtMost(figures, "max_ms", 300)], $"median of {Runs} starts each");
    }

    private static async Task<double> StartToFirst200Async(HttpClient client, string function, string dll, string database)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        var port = BenchStack.FreePort();
        var start = new ProcessStartInfo("dotnet", $"\"{dll}\"") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["WAREHOUSE"] = "duckdb";
        start.Environment["DUCKDB_PATH"] = database;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        process.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                try
                {
                    using var response = await client.SendAsync(FirstRequest(function, port));
                    if (response.IsSuccessStatusCode)
                    {
                        return clock.Elapsed.TotalMilliseconds;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                await Task.Delay(2);
            }
            throw new TimeoutException($"{function} did not answer 200 within 30 s:\n{string.Join('\n', output)}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static HttpRequestMessage FirstRequest(string function, int port)
    {
        var root = $"http://127.0.0.1:{port}/";
        return function switch
        {
            "UserContent" => new HttpRequestMessage(HttpMethod.Get, root + "user_content/?user_id=65045&query_date=2022-03-27"),
            "BackfillCsv" => EventarcRequest.ForFinalizedObject(new StorageObjectData { Bucket = "b", Name = "other/readme.txt", Generation = 1 }, "cold")
                .ToHttpRequestMessage(root),
            _ => EventarcRequest.ForPubSubMessage("bench", "t",
                    new PubsubMessage { Data = "{\"user_id\":1,\"content_id\":2,\"read_percent\":95,\"updated_at\":\"2022-03-27\",\"category_name\":\"x\"}"u8.ToArray(), MessageId = "cold", PublishTime = DateTimeOffset.UtcNow },
                    "projects/bench/subscriptions/s")
                .ToHttpRequestMessage(root),
        };
    }

    private static void Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments))!;
        process.WaitForExit();
    }
}

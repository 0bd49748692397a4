using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Pipeline.EventarcRequests;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;
using Pipeline.Events.Protobuf.Cloud.Storage.V1;

namespace Pipeline.Bench.Scenarios;

/// <summary>
/// Process start to first 200 for each function in its production configuration: the framework-dependent Release
/// publish Cloud Run runs, started as its container starts it (<c>dotnet &lt;Function&gt;.dll</c>), on the BigQuery adapter, with
/// <c>BIGQUERY_EMULATOR_HOST</c> (and, for BackfillCsv, <c>STORAGE_EMULATOR_HOST</c>) at <see cref="UploadSink"/> in
/// this process. The first request is the one production sees first: a Pub/Sub message stored with one
/// <c>insertAll</c>, a UserContent query (one <c>jobs.query</c>, no rows), a three-row dump read from Cloud Storage
/// and loaded through the resumable upload and the commit job.
/// </summary>
public static partial class ColdStartScenario
{
    private const int Runs = 3;
    private const string Bucket = "coldstart-dumps";
    private const string DumpObject = "user_interaction/first.csv";
    private static readonly ImmutableArray<string> s_functions = ["IngestInteraction", "IngestContent", "UserContent", "BackfillCsv"];

    public static async Task<BenchResult> RunAsync(Sizes sizes, string workDir)
    {
        var root = Repository.Root();
        var figures = new Dictionary<string, double>();
        var publishes = Path.Combine(workDir, "coldstart");
        if (Directory.Exists(publishes))
        {
            Directory.Delete(publishes, recursive: true);
        }
        await using var google = await UploadSink.StartAsync();
        google.Objects[$"gs://{Bucket}/{DumpObject}"] =
            "user_id,content_id,read_percent,updated_at\n65045,12345,92,2022-03-27\n65045,12346,40,2022-03-26\n1,2,100,2022-03-01\n"u8.ToArray();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await WarmUpAsync(client, google.Root);
        foreach (var function in s_functions)
        {
            var app = Publish(root, function, Path.Combine(publishes, function));
            var runs = new List<(double Wall, double Cpu)>();
            for (var run = 0; run < Runs; run++)
            {
                // Each start loads a new generation, so that no run finds the jobs of an earlier one.
                var uploaded = Interlocked.Read(ref google.BytesUploaded);
                runs.Add(await StartToFirst200Async(client, FirstRequest(function, generation: run + 1), app, google.Root));
                if (function == "BackfillCsv" && Interlocked.Read(ref google.BytesUploaded) == uploaded)
                {
                    throw new InvalidOperationException("BackfillCsv answered 200 without uploading its rows: its first request was not the load it should be");
                }
            }
            figures[$"{function}_ms"] = runs.Select(r => r.Wall).Order().ElementAt(Runs / 2);
            figures[$"{function}_cpu_ms"] = runs.Select(r => r.Cpu).Order().ElementAt(Runs / 2);
        }
        figures["max_ms"] = s_functions.Max(f => figures[$"{f}_ms"]);
        return new BenchResult("coldstart", figures, [Target.AtMost(figures, "max_ms", 300)],
            $"median of {Runs} starts each; framework-dependent Release publish ({RuntimeInformation.RuntimeIdentifier}) on the BigQuery adapter " +
            "against an in-process fake; _cpu_ms is the process's CPU time until its first 200 (what a busy machine inflates less)");
    }

    /// <summary>The fake's own first requests are not the function's: answer one of each kind before measuring.</summary>
    private static async Task WarmUpAsync(HttpClient client, Uri google)
    {
        using var insert = await client.PostAsync(new Uri(google, "bigquery/v2/projects/bench/datasets/coldstart/tables/t/insertAll"),
            new StringContent("""{"rows":[]}""", System.Text.Encoding.UTF8, "application/json"));
        using var query = await client.PostAsync(new Uri(google, "bigquery/v2/projects/bench/queries"),
            new StringContent("""{"query":"SELECT 1"}""", System.Text.Encoding.UTF8, "application/json"));
        using var metadata = await client.GetAsync(new Uri(google, $"b/{Bucket}/o/{Uri.EscapeDataString(DumpObject)}?generation=1"));
        using var media = await client.GetAsync(new Uri(google, $"b/{Bucket}/o/{Uri.EscapeDataString(DumpObject)}?alt=media&generation=1"));
        if (!insert.IsSuccessStatusCode || !query.IsSuccessStatusCode || !metadata.IsSuccessStatusCode || !media.IsSuccessStatusCode)
        {
            throw new InvalidOperationException("the bench's fake BigQuery and Cloud Storage did not answer their warm-up requests");
        }
    }

    /// <summary>
    /// <c>dotnet publish -c Release --use-current-runtime --self-contained false</c>, as the container build publishes
    /// it (framework-dependent, ReadyToRun, for the machine's OS and architecture). Returns the assembly.
    /// </summary>
    private static string Publish(string root, string function, string output)
    {
        using var publish = Process.Start(new ProcessStartInfo("dotnet",
            ["publish", Path.Combine(root, "functions", function), "-c", "Release", "--use-current-runtime", "--self-contained", "false",
                "-o", output, "--nologo", "-v", "q"]))!;
        publish.WaitForExit();
        var app = Path.Combine(output, function + ".dll");
        return publish.ExitCode == 0 && File.Exists(app)
            ? app
            : throw new InvalidOperationException($"dotnet publish of {function} failed (exit code {publish.ExitCode})");
    }

    private static async Task<(double Wall, double Cpu)> StartToFirst200Async(
        HttpClient client, Func<int, HttpRequestMessage> firstRequest, string app, Uri google)
    {
        var function = Path.GetFileNameWithoutExtension(app);
        // The muxer of the runtime this harness runs on, as the container runs "dotnet /app/<Function>.dll"; nothing of
        // the caller's warehouse or cloud settings leaks in.
        var dotnet = Path.Combine(Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..")),
            OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        var start = new ProcessStartInfo(dotnet, [app]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var variable in start.Environment.Keys.Where(k => k is "WAREHOUSE" or "K_SERVICE" || k.StartsWith("GOOGLE_", StringComparison.Ordinal)
                     || k.StartsWith("BIGQUERY_", StringComparison.Ordinal) || k.StartsWith("BACKFILL_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(variable);
        }
        // Kestrel picks the port; the host's "Now listening on" line says which.
        start.Environment["PORT"] = "0";
        start.Environment["GOOGLE_CLOUD_PROJECT"] = "bench";
        start.Environment["BIGQUERY_DATASET"] = "coldstart";
        start.Environment["BIGQUERY_LOCATION"] = "EU";
        start.Environment["BIGQUERY_EMULATOR_HOST"] = google.ToString();
        start.Environment["STORAGE_EMULATOR_HOST"] = google.ToString().TrimEnd('/');
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var port = 0;
        process.OutputDataReceived += (_, e) =>
        {
            output.Enqueue(e.Data ?? "");
            if (ListeningPort().Match(e.Data ?? "") is { Success: true } match)
            {
                Volatile.Write(ref port, int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
            }
        };
        process.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
            {
                if (Volatile.Read(ref port) == 0)
                {
                    await Task.Delay(1);
                    continue;
                }
                try
                {
                    using var response = await client.SendAsync(firstRequest(port));
                    if (response.IsSuccessStatusCode)
                    {
                        var wall = clock.Elapsed.TotalMilliseconds;
                        process.Refresh();
                        return (wall, process.TotalProcessorTime.TotalMilliseconds);
                    }
                    throw new InvalidOperationException($"{function} answered {(int)response.StatusCode} to its first request:\n{string.Join('\n', output)}");
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                await Task.Delay(2);
            }
            throw new TimeoutException(process.HasExited
                ? $"{function} exited with code {process.ExitCode} before answering:\n{string.Join('\n', output)}"
                : $"{function} did not answer 200 within 30 s:\n{string.Join('\n', output)}");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private static Func<int, HttpRequestMessage> FirstRequest(string function, long generation) => port =>
    {
        var root = $"http://127.0.0.1:{port}/";
        return function switch
        {
            "UserContent" => new HttpRequestMessage(HttpMethod.Get, root + "user_content/?user_id=65045&query_date=2022-03-27"),
            "BackfillCsv" => EventarcRequest.ForFinalizedObject(new StorageObjectData { Bucket = Bucket, Name = DumpObject, Generation = generation }, "cold")
                .ToHttpRequestMessage(root),
            _ => EventarcRequest.ForPubSubMessage("bench", "t",
                    new PubsubMessage { Data = ByteString.CopyFromUtf8("{\"user_id\":1,\"content_id\":2,\"read_percent\":95,\"updated_at\":\"2022-03-27\",\"category_name\":\"x\"}"), MessageId = "cold", PublishTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) },
                    "projects/bench/subscriptions/s")
                .ToHttpRequestMessage(root),
        };
    };

    [System.Text.RegularExpressions.GeneratedRegex(@"Now listening on: http://127\.0\.0\.1:([0-9]+)")]
    private static partial System.Text.RegularExpressions.Regex ListeningPort();
}

using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using Pipeline.Local.PubSub;
using Pipeline.Tests.Fixtures;
using Xunit.Abstractions;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// The local stack, as its own process, killed with SIGKILL while messages are being published — five times —
/// and restarted on the same data directory: every message whose publish call was answered is stored exactly once.
/// </summary>
public sealed class CrashSafetyTest(ITestOutputHelper output) : IDisposable
{
    public const int KillPoints = 5;
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "pipeline-tests", "crash-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task KilledWhilePublishing_EveryAcknowledgedMessageIsStoredExactlyOnce()
    {
        var acknowledged = new List<string>();
        var random = new Random(20221);
        var published = 0;
        for (var kill = 0; kill <= KillPoints; kill++)
        {
            using var stack = await StartAsync();
            using var client = new HttpClient { BaseAddress = stack.Root, Timeout = TimeSpan.FromSeconds(10) };
            using var stop = new CancellationTokenSource();
            var firstAck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var publishers = Enumerable.Range(0, 4).Select(_ => PublishUntilStoppedAsync(client, acknowledged, () => Interlocked.Increment(ref published), firstAck, stop.Token)).ToList();
            // The kill comes a random while after the publish path answered once: a fresh process's first publish
            // (JIT, first commit) is not the window under test.
            await Task.WhenAny(firstAck.Task, Task.Delay(TimeSpan.FromSeconds(10)));
            await Task.Delay(random.Next(150, 600));
            if (kill < KillPoints)
            {
                stack.Process.Kill(entireProcessTree: true);
            }
            stop.Cancel();
            await Task.WhenAll(publishers);
            if (kill == KillPoints)
            {
                stack.Process.Kill(entireProcessTree: true);
            }
            await stack.Process.WaitForExitAsync();
        }

        var stored = await StoredCountsAsync();
        output.WriteLine($"kills: {KillPoints}, published: {published}, acknowledged: {acknowledged.Count}, stored rows: {stored.Values.Sum()}");
        Assert.True(acknowledged.Count > KillPoints * 10, $"too few messages got through to prove anything ({acknowledged.Count})");
        var missing = acknowledged.Where(id => !stored.ContainsKey(id)).ToList();
        Assert.Empty(missing);
        Assert.All(stored, pair => Assert.Equal(1, pair.Value));
    }

    private static async Task PublishUntilStoppedAsync(HttpClient client, List<string> acknowledged, Func<int> next, TaskCompletionSource firstAck, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var n = next();
            var record = $$"""{"user_id":{{n}},"content_id":{{n % 97}},"read_percent":95,"updated_at":"2022-03-27"}""";
            try
            {
                using var response = await client.PostAsJsonAsync("v1/projects/crash/topics/user-interaction:publish",
                    new { messages = new[] { new { data = Convert.ToBase64String(Encoding.UTF8.GetBytes(record)) } } }, CancellationToken.None);
                if (response.IsSuccessStatusCode)
                {
                    var ids = (await response.Content.ReadFromJsonAsync<PublishResponse>(CancellationToken.None))!.MessageIds;
                    lock (acknowledged)
                    {
                        acknowledged.AddRange(ids);
                    }
                    firstAck.TrySetResult();
                }
            }
            catch (HttpRequestException)
            {
                return; // The stack is gone: what was not answered was not promised.
            }
            catch (TaskCanceledException)
            {
                return;
            }
        }
    }

    private async Task<Dictionary<string, long>> StoredCountsAsync()
    {
        await using var connection = new DuckDBConnection($"Data Source={Path.Combine(_dataDir, "warehouse.duckdb")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT event_id, count(*) FROM user_interaction GROUP BY event_id";
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new Dictionary<string, long>();
        while (await reader.ReadAsync())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }
        return counts;
    }

    private async Task<RunningStack> StartAsync()
    {
        // Port 0: the stack binds a free port and logs the address it bound ("Local stack on http://127.0.0.1:N, …").
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "pipeline-local"), ["--port", "0", "--pubsub-port", "0", "--project", "crash", "--data-dir", _dataDir])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        var bound = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is not null && Regex.Match(line.Data, @"Local stack on (http://127\.0\.0\.1:[0-9]+)") is { Success: true } match)
            {
                bound.TrySetResult(new Uri(match.Groups[1].Value + "/"));
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (await Task.WhenAny(bound.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(30))) != bound.Task)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the local stack did not start");
        }
        var root = await bound.Task;
        using var probe = new HttpClient { BaseAddress = root, Timeout = TimeSpan.FromSeconds(1) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await probe.GetAsync("healthz")).IsSuccessStatusCode)
                {
                    return new RunningStack(process, root);
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(50);
            }
        }
        process.Kill(entireProcessTree: true);
        throw new TimeoutException("the local stack did not answer /healthz");
    }

    private sealed record RunningStack(Process Process, Uri Root) : IDisposable
    {
        public void Dispose() => Process.Dispose();
    }
}

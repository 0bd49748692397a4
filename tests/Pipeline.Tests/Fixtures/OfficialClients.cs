using System.Diagnostics;
using System.Text.Json;

namespace Pipeline.Tests.Fixtures;

/// <summary>
/// Google's official Node.js Pub/Sub client (<c>@google-cloud/pubsub</c>, pinned in tests/emulators), run through
/// <c>tests/emulators/pubsub.mjs</c> with <c>PUBSUB_EMULATOR_HOST</c> as its only configuration: the test's own
/// Google settings and credentials are taken out of its environment. Killed after <see cref="Timeout"/>.
/// </summary>
public static class OfficialPubSubClient
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>What the script printed (one JSON object), and its stderr for assertion messages.</summary>
    public sealed record Run(JsonElement Result, string Stderr)
    {
        public JsonElement this[string call] => Result.GetProperty(call);
    }

    public static async Task<Run> RunAsync(string emulatorHost, params string[] args)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Repository.PathOf(Path.Combine("tests", "emulators")),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("pubsub.mjs");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var name in start.Environment.Keys.Where(IsGoogleSetting).ToList())
        {
            start.Environment.Remove(name);
        }
        start.Environment["PUBSUB_EMULATOR_HOST"] = emulatorHost;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"node pubsub.mjs {string.Join(' ', args)} ran past {Timeout.TotalSeconds} s; stderr:\n{await stderr}");
        }
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"node pubsub.mjs {string.Join(' ', args)} exited {process.ExitCode}; stderr:\n{await stderr}");
        return new Run(JsonDocument.Parse(output).RootElement.Clone(), await stderr);
    }

    private static bool IsGoogleSetting(string name) =>
        name.StartsWith("GOOGLE_", StringComparison.OrdinalIgnoreCase) || name.StartsWith("GCLOUD", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("CLOUDSDK_", StringComparison.OrdinalIgnoreCase) || name.StartsWith("PUBSUB_", StringComparison.OrdinalIgnoreCase);
}

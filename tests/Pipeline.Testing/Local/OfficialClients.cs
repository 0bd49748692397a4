using System.ComponentModel;
using System.Diagnostics;

namespace Pipeline.Tests.Fixtures;

/// <summary>
/// Google's official Node.js clients (tests/emulators, pinned by its lock file), run through one of the scripts there
/// with one emulator variable (<c>PUBSUB_EMULATOR_HOST</c> or <c>STORAGE_EMULATOR_HOST</c>) as their only
/// configuration: the test's own Google settings and credentials are taken out of the environment. Killed after
/// <see cref="Timeout"/>, with its stderr in the failure.
/// </summary>
public static class OfficialClients
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>What the script printed, and how it ended.</summary>
    public sealed record Run(int ExitCode, string Stdout, string Stderr);

    public static async Task<Run> RunAsync(string script, string emulatorVariable, string emulatorValue, params string[] args)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Repository.PathOf(Path.Combine("tests", "emulators")),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var name in start.Environment.Keys.Where(IsGoogleSetting).ToList())
        {
            start.Environment.Remove(name);
        }
        start.Environment[emulatorVariable] = emulatorValue;
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned no process for node.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"Cannot start `node` ({e.Message}): the emulator tests need Node.js 18 or later.", e);
        }
        using (process)
        {
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
                throw new TimeoutException($"node {script} {string.Join(' ', args)} ran past {Timeout.TotalSeconds} s; stderr:\n{await stderr}");
            }
            return new Run(process.ExitCode, await stdout, await stderr);
        }
    }

    private static bool IsGoogleSetting(string name) =>
        name.StartsWith("GOOGLE_", StringComparison.OrdinalIgnoreCase) || name.StartsWith("GCLOUD", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("CLOUDSDK_", StringComparison.OrdinalIgnoreCase) || name.StartsWith("PUBSUB_", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("STORAGE_", StringComparison.OrdinalIgnoreCase);
}

/// <summary><c>tests/emulators/pubsub.mjs</c>: the official Pub/Sub client, its answers as one JSON object.</summary>
public static class OfficialPubSubClient
{
    /// <summary>What the script printed (one JSON object), and its stderr for assertion messages.</summary>
    public sealed record Run(System.Text.Json.JsonElement Result, string Stderr)
    {
        public System.Text.Json.JsonElement this[string call] => Result.GetProperty(call);
    }

    public static async Task<Run> RunAsync(string emulatorHost, params string[] args)
    {
        var run = await OfficialClients.RunAsync("pubsub.mjs", "PUBSUB_EMULATOR_HOST", emulatorHost, args);
        Assert.True(run.ExitCode == 0, $"node pubsub.mjs {string.Join(' ', args)} exited {run.ExitCode}; stderr:\n{run.Stderr}");
        return new Run(System.Text.Json.JsonDocument.Parse(run.Stdout).RootElement.Clone(), run.Stderr);
    }
}

using System.Text.Json;
using Pipeline.Local.PubSub;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.PubSub;

/// <summary>
/// The local stack's Publisher held to Google's Pub/Sub emulator: one sequence of official-client calls
/// (tests/emulators/pubsub-differential.mjs) against both, compared step by step. Every step agrees but those listed
/// in <see cref="Differences"/>, where the emulator is not production and the stack answers as production does (or
/// the stack's wiring answers); docs/local-stack.md lists the same.
/// </summary>
[Collection(GooglePubSubEmulatorCollection.Name)]
public sealed class PublisherDifferentialTest(GooglePubSubEmulator emulator)
{
    /// <summary>The steps where the two differ: the stack's outcome (a status code), the emulator's, and why.</summary>
    private static readonly Dictionary<string, (string Local, string Emulator, string Why)> Differences = new()
    {
        ["createProductTopicUserInteraction"] = ("6", "ok", "the product topics exist in the stack's project from the start: its wiring to the functions, as deployed"),
        ["createProductTopicContentMeta"] = ("6", "ok", "the same"),
        ["publishHundredAndOneAttributes"] = ("3", "ok", "production: 100 attributes a message; the emulator checks none"),
        ["publishAttributeKey257Bytes"] = ("3", "ok", "production: attribute keys up to 256 bytes"),
        ["publishAttributeValue1025Bytes"] = ("3", "ok", "production: attribute values up to 1024 bytes"),
        ["publishOrderingKey1025Bytes"] = ("3", "ok", "production: ordering keys up to 1024 bytes"),
        ["publishRequestOf10400000Bytes"] = ("3", "ok", "production: requests up to 10,000,000 bytes; the emulator takes about 11,000,000"),
        ["listTopicSubscriptions"] = ("12", "ok", "the stack serves the Publisher only: its subscriptions are its functions' triggers"),
        ["deleteProductTopic"] = ("9", "ok", "a product topic is the stack's wiring to a function"),
    };

    [SkippableFact]
    public async Task OfficialClientSequence_AgreesWithGooglesEmulatorStepByStepSaveTheListedDifferences()
    {
        GoogleCloudSdk.RequirePubSubEmulator();
        await using var stack = await LocalStackHost.StartOnLoopbackAsync();

        var local = await RunAsync(stack.PubSubEmulatorHost);
        var google = await RunAsync(emulator.Host);

        Assert.Equal(google.Select(s => s.Step), local.Select(s => s.Step));
        var disagreements = new List<string>();
        foreach (var (ours, theirs) in local.Zip(google))
        {
            var agreed = Differences.TryGetValue(ours.Step, out var difference)
                ? ours.Outcome == difference.Local && theirs.Outcome == difference.Emulator
                : ours.Outcome == theirs.Outcome && ours.Result == theirs.Result;
            if (!agreed)
            {
                disagreements.Add($"{ours.Step}: local {ours.Outcome} {ours.Result} ({ours.Details}), emulator {theirs.Outcome} {theirs.Result} ({theirs.Details})"
                    + (difference.Why is { } why ? $"; expected local {difference.Local}, emulator {difference.Emulator}: {why}" : ""));
            }
        }
        Assert.True(disagreements.Count == 0, string.Join('\n', disagreements));
        Assert.True(local.Count >= 40, $"{local.Count} steps");
        // What the sequence published to topics nobody receives was dropped, as Pub/Sub drops it: nothing kept.
        Assert.Empty(await stack.Services.GetRequiredService<UndeliveredMessageStore>().ListAsync(default));
        Assert.Single(await stack.QueryAsync("SELECT event_id FROM user_interaction"));
    }

    /// <summary>One step's outcome: "ok" or the status code, the normalized result, the error's words.</summary>
    private sealed record StepOutcome(string Step, string Outcome, string Result, string Details);

    private static async Task<IReadOnlyList<StepOutcome>> RunAsync(string host)
    {
        var run = await OfficialClients.RunAsync("pubsub-differential.mjs", "PUBSUB_EMULATOR_HOST", host, LocalStackHost.Project, "other-project");
        Assert.True(run.ExitCode == 0, $"node pubsub-differential.mjs against {host} exited {run.ExitCode}; stderr:\n{run.Stderr}");
        using var steps = JsonDocument.Parse(run.Stdout);
        return steps.RootElement.EnumerateArray().Select(step => new StepOutcome(
            step.GetProperty("step").GetString()!,
            step.TryGetProperty("code", out var code) ? code.ToString() : "ok",
            step.TryGetProperty("ok", out var ok) ? ok.GetRawText() : "",
            step.TryGetProperty("details", out var details) ? details.ToString() : "")).ToList();
    }
}

using System.Text.Json.Nodes;
using Pipeline.Tests.Fixtures;
using Pipeline.Tests.Fixtures.CloudApis;

namespace Pipeline.Tests.Deploy;

/// <summary>
/// One rehearsal shared by the assertions: run 1 (with Google's propagation errors injected), run 2 identical but for
/// the build id, run 3 only what a changed _INTERACTION_TOPIC needs (setup and IngestInteraction's deploy), and the
/// deploy command itself (deploy/submit.sh, --no-source). Nothing runs where the SDK is missing (the tests skip).
/// </summary>
public sealed class DeployRehearsalFixture : IAsyncLifetime
{
    public const string NewInteractionTopic = "user-interaction-v2";
    public const string MissingAccount = "fn-user-content@rehearsal-project.iam.gserviceaccount.com";

    private DeployRehearsal? _rehearsal;

    public DeployRehearsal Rehearsal => _rehearsal!;

    public CloudApiFake Fake => Rehearsal.Fake;

    public IReadOnlyList<ScriptRun> Run1 { get; private set; } = [];

    public IReadOnlyList<ScriptRun> Run2 { get; private set; } = [];

    public IReadOnlyList<ScriptRun> Run3 { get; private set; } = [];

    public ScriptRun? Submit { get; private set; }

    /// <summary>The state's change log and the call log where each run began and ended.</summary>
    public (int Changes, int Calls) AfterRun1 { get; private set; }

    public (int Changes, int Calls) AfterRun2 { get; private set; }

    public (int Changes, int Calls) AfterRun3 { get; private set; }

    /// <summary>Trigger and subscriptions as run 2 left them (run 3 changes them).</summary>
    public JsonObject[] TriggersAfterRun2 { get; private set; } = [];

    public JsonObject[] SubscriptionsAfterRun2 { get; private set; } = [];

    public async Task InitializeAsync()
    {
        if (GoogleCloudSdk.Root is null || GoogleCloudSdk.GeneratedClientsDirectory is null)
        {
            return;
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(20));
        var cancellationToken = timeout.Token;
        _rehearsal = await DeployRehearsal.StartAsync(cancellationToken);

        // Google's answers while a change propagates: an API just enabled, a service account just created.
        Fake.FailFirst("artifactregistry.projects.locations.repositories.create", 1, 403, "PERMISSION_DENIED",
            "Artifact Registry API has not been used in project 123456789012 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/artifactregistry.googleapis.com/overview?project=123456789012 then retry. (SERVICE_DISABLED)");
        Fake.FailFirst("cloudresourcemanager.projects.setIamPolicy", 2, 400, "INVALID_ARGUMENT", $"Service account {MissingAccount} does not exist.");

        Run1 = await Rehearsal.RunStepsAsync("build-1", null, DeployRehearsal.DeploySteps, cancellationToken);
        AfterRun1 = (Fake.State.Changes.Count, Fake.Calls.Count);
        Run2 = await Rehearsal.RunStepsAsync("build-2", null, DeployRehearsal.DeploySteps, cancellationToken);
        AfterRun2 = (Fake.State.Changes.Count, Fake.Calls.Count);
        TriggersAfterRun2 = [.. Fake.State.List("eventarc", "projects/").Where(r => r.Name.Contains("/triggers/", StringComparison.Ordinal)).Select(r => r.Resource)];
        SubscriptionsAfterRun2 = [.. Fake.State.List("pubsub", $"projects/{DeployRehearsal.ProjectId}/subscriptions/").Select(r => r.Resource)];
        Run3 = await Rehearsal.RunStepsAsync("build-3", new Dictionary<string, string> { ["_INTERACTION_TOPIC"] = NewInteractionTopic },
            ["setup", "deploy-ingest-interaction"], cancellationToken);
        AfterRun3 = (Fake.State.Changes.Count, Fake.Calls.Count);
        Submit = await Rehearsal.RunAsync("submit", "bash", ["deploy/submit.sh", "--no-source", "--substitutions=_REGION=europe-west1"], cancellationToken);
    }

    public async Task DisposeAsync()
    {
        if (_rehearsal is not null)
        {
            await _rehearsal.DisposeAsync();
        }
    }

    /// <summary>Every run's output, for a failing assertion's message.</summary>
    public string Outputs => string.Join("\n", Run1.Concat(Run2).Concat(Run3).Append(Submit).Select(r => r?.ToString()));
}

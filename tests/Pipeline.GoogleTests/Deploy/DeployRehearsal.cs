using Pipeline.Tests.Fixtures;
using Pipeline.Tests.Fixtures.CloudApis;

namespace Pipeline.Tests.Deploy;

/// <summary>
/// Runs the deploy as Cloud Build runs it (cloudbuild.yaml's setup step, then its four deploy steps at once) with
/// the real gcloud and bq, every call going to <see cref="CloudApiFake"/> on loopback.
/// </summary>
public sealed class DeployRehearsal : IAsyncDisposable
{
    public const string ProjectId = "rehearsal-project";
    public const string ProjectNumber = "123456789012";
    private static readonly TimeSpan s_stepTimeout = TimeSpan.FromMinutes(4);

    private readonly string _configDirectory;
    private readonly CloudBuildSteps _build = new(Repository.Read("cloudbuild.yaml"));

    private DeployRehearsal(CloudApiFake fake, LoopbackProxy proxy, string configDirectory)
    {
        Fake = fake;
        Proxy = proxy;
        _configDirectory = configDirectory;
        Environment = GcloudEnvironment.For(fake, proxy, configDirectory, ProjectId);
    }

    public CloudApiFake Fake { get; }

    public LoopbackProxy Proxy { get; }

    public IReadOnlyDictionary<string, string> Environment { get; }

    public CloudBuildSteps Build => _build;

    public static async Task<DeployRehearsal> StartAsync(CancellationToken cancellationToken)
    {
        var schemas = new MessageSchemas(GoogleCloudSdk.GeneratedClientsDirectory!);
        var fake = await CloudApiFake.StartAsync(new CloudState(ProjectId, ProjectNumber), schemas, GoogleCloudSdk.BigQueryDiscoveryPath, cancellationToken);
        var proxy = new LoopbackProxy(fake);
        var config = Path.Combine(Path.GetTempPath(), "deploy-rehearsal-" + Guid.NewGuid().ToString("N"));
        return new DeployRehearsal(fake, proxy, config);
    }

    /// <summary>Runs the given steps of cloudbuild.yaml: setup first (if listed), then the others at once.</summary>
    public async Task<IReadOnlyList<ScriptRun>> RunStepsAsync(string buildId, IReadOnlyDictionary<string, string>? overrides,
        IReadOnlyList<string> stepIds, CancellationToken cancellationToken)
    {
        var runs = new List<ScriptRun>();
        if (stepIds.Contains("setup"))
        {
            runs.Add(await RunStepAsync(buildId, overrides, "setup", cancellationToken));
            if (runs[0].ExitCode != 0)
            {
                return runs;
            }
        }
        runs.AddRange(await Task.WhenAll(stepIds.Where(id => id != "setup").Select(id => RunStepAsync(buildId, overrides, id, cancellationToken))));
        return runs;
    }

    public static readonly IReadOnlyList<string> DeploySteps =
        ["setup", "deploy-ingest-interaction", "deploy-ingest-content", "deploy-backfill-csv", "deploy-user-content"];

    private Task<ScriptRun> RunStepAsync(string buildId, IReadOnlyDictionary<string, string>? overrides, string id, CancellationToken cancellationToken)
    {
        var step = _build.Resolve(id, ProjectId, buildId, overrides);
        var environment = new Dictionary<string, string>(Environment);
        foreach (var (key, value) in step.Env)
        {
            environment[key] = value;
        }
        environment["CLOUDSDK_CORE_REQUEST_REASON"] = $"{buildId}/{id}";
        // The rehearsal's propagation errors clear within a few attempts: wait 1 s, not 5 s, before the first retry.
        environment["DEPLOY_PROPAGATION_DELAY_SECONDS"] = "1";
        return ScriptRun.RunAsync($"{buildId}/{id}", step.Entrypoint, step.Args, Repository.Root, environment, s_stepTimeout, cancellationToken);
    }

    /// <summary>Runs a command (gcloud, …) in the rehearsal's environment from the repository root.</summary>
    public Task<ScriptRun> RunAsync(string label, string command, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string>(Environment) { ["CLOUDSDK_CORE_REQUEST_REASON"] = label };
        return ScriptRun.RunAsync(label, command, args, Repository.Root, environment, s_stepTimeout, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        await Fake.DisposeAsync();
        if (Directory.Exists(_configDirectory))
        {
            Directory.Delete(_configDirectory, recursive: true);
        }
    }
}

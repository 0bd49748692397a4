namespace Pipeline.Tests.Fixtures;

/// <summary>
/// Google's Cloud SDK on this machine (gcloud, bq, the Pub/Sub emulator, the APIs' own descriptions) and the Java
/// runtime its emulators need: the independent judges the deploy, protocol and discovery tests run against.
/// <para>
/// Where they are missing, a test that needs them is reported skipped with one line saying what to install; where
/// <c>PIPELINE_REQUIRE_CLOUD_SDK=1</c> (CI sets it in <c>.ci/run</c>), it fails instead, so CI never skips them.
/// </para>
/// </summary>
public static class GoogleCloudSdk
{
    /// <summary>The variable that turns a missing SDK from a skip into a failure.</summary>
    public const string RequireVariable = "PIPELINE_REQUIRE_CLOUD_SDK";

    private const string InstallHint =
        "install the Google Cloud SDK (gcloud, bq, the Pub/Sub emulator component) and Java 17; see README, Tests";

    /// <summary>The SDK's root directory (holding bin/gcloud and platform/), or null where gcloud is not on PATH.</summary>
    public static string? Root { get; } = FindRoot();

    /// <summary>The java executable on PATH, or null.</summary>
    public static string? Java { get; } = FindOnPath("java");

    /// <summary>BigQuery's discovery document as the bq CLI ships it, or null without the SDK.</summary>
    public static string? BigQueryDiscoveryPath =>
        Root is null ? null : Existing(Path.Combine(Root, "platform", "bq", "discovery_next", "bigquery.json"));

    /// <summary>The Pub/Sub emulator's own jar (<c>platform/pubsub-emulator/lib/cloud-pubsub-emulator-*.jar</c>), or null without it.</summary>
    public static string? PubSubEmulatorJar =>
        Root is null || !Directory.Exists(Path.Combine(Root, "platform", "pubsub-emulator", "lib")) ? null
        : Directory.GetFiles(Path.Combine(Root, "platform", "pubsub-emulator", "lib"), "cloud-pubsub-emulator-*.jar").Order().LastOrDefault();

    /// <summary>The Pub/Sub emulator's jar, with Java to run it; skips or fails as <see cref="RequireSdk"/> does.</summary>
    public static string RequirePubSubEmulator()
    {
        RequireSdkAndJava();
        if (PubSubEmulatorJar is null)
        {
            Missing("the Pub/Sub emulator (gcloud components install pubsub-emulator, or the google-cloud-cli-pubsub-emulator package)");
        }
        return PubSubEmulatorJar!;
    }

    /// <summary>
    /// gcloud's generated API clients (<c>lib/googlecloudsdk/generated_clients/apis</c>: each API's request messages), or
    /// null without the SDK.
    /// </summary>
    public static string? GeneratedClientsDirectory =>
        Root is null ? null : ExistingDirectory(Path.Combine(Root, "lib", "googlecloudsdk", "generated_clients", "apis"));

    /// <summary>The SDK root; skips the calling test (or fails it where CI requires the SDK) when it is missing.</summary>
    public static string RequireSdk()
    {
        if (Root is null)
        {
            Missing("the Google Cloud SDK (gcloud on PATH)");
        }
        return Root!;
    }

    /// <summary>BigQuery's discovery document; skips or fails as <see cref="RequireSdk"/> does.</summary>
    public static string RequireBigQueryDiscovery()
    {
        RequireSdk();
        if (BigQueryDiscoveryPath is null)
        {
            Missing("bq's discovery document (platform/bq/discovery_next/bigquery.json in the SDK)");
        }
        return BigQueryDiscoveryPath!;
    }

    /// <summary>The SDK and Java (the emulators run on it); skips or fails as <see cref="RequireSdk"/> does.</summary>
    public static string RequireSdkAndJava()
    {
        var root = RequireSdk();
        if (Java is null)
        {
            Missing("Java (the Pub/Sub emulator runs on Java 17 or later)");
        }
        return root;
    }

    /// <summary>Whether CI asked for the SDK to be present (a missing SDK then fails instead of skipping).</summary>
    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    private static void Missing(string what)
    {
        var message = $"needs {what}, which is not installed: {InstallHint}";
        if (Required)
        {
            throw new InvalidOperationException($"{RequireVariable}=1 and this test {message}");
        }
        Skip.If(true, message);
    }

    private static string? FindRoot()
    {
        var gcloud = FindOnPath("gcloud");
        if (gcloud is null)
        {
            return null;
        }
        // /usr/bin/gcloud is usually a link to <root>/bin/gcloud.
        var target = new FileInfo(gcloud).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? gcloud;
        var root = Path.GetDirectoryName(Path.GetDirectoryName(target));
        return root is not null && Directory.Exists(Path.Combine(root, "platform")) ? root : null;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);

    private static string? Existing(string path) => File.Exists(path) ? path : null;

    private static string? ExistingDirectory(string path) => Directory.Exists(path) ? path : null;
}

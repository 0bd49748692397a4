namespace Pipeline.Tests.Fixtures.CloudApis;

/// <summary>
/// The environment that keeps gcloud, bq and gsutil on the fake: a private configuration directory, no prompts, a
/// fixed access token, every API's endpoint overridden to the fake, the proxy for regional hosts, the metadata
/// server on the fake (and "not on GCE" written down), and a request reason naming the caller.
/// </summary>
public static class GcloudEnvironment
{
    public static Dictionary<string, string> For(CloudApiFake fake, LoopbackProxy proxy, string configDirectory, string projectId)
    {
        Directory.CreateDirectory(configDirectory);
        File.WriteAllText(Path.Combine(configDirectory, "gce"), "False");
        var environment = new Dictionary<string, string>
        {
            ["CLOUDSDK_CONFIG"] = configDirectory,
            ["CLOUDSDK_CORE_DISABLE_PROMPTS"] = "1",
            ["CLOUDSDK_CORE_DISABLE_USAGE_REPORTING"] = "true",
            ["CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK"] = "true",
            ["CLOUDSDK_CORE_PROJECT"] = projectId,
            ["CLOUDSDK_AUTH_ACCESS_TOKEN"] = "rehearsal-token",
            ["CLOUDSDK_CORE_ACCOUNT"] = "deployer@rehearsal.example",
            ["CLOUDSDK_PROXY_TYPE"] = "http",
            ["CLOUDSDK_PROXY_ADDRESS"] = "127.0.0.1",
            ["CLOUDSDK_PROXY_PORT"] = proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GCE_METADATA_HOST"] = $"127.0.0.1:{fake.Port}",
            ["GCE_METADATA_IP"] = $"127.0.0.1:{fake.Port}",
            ["GCE_METADATA_ROOT"] = $"127.0.0.1:{fake.Port}",
            ["NO_PROXY"] = "",
            ["no_proxy"] = "",
            ["HTTPS_PROXY"] = $"http://127.0.0.1:{proxy.Port}",
            ["HTTP_PROXY"] = $"http://127.0.0.1:{proxy.Port}",
        };
        foreach (var api in fake.ApiNames)
        {
            environment[$"CLOUDSDK_API_ENDPOINT_OVERRIDES_{api.ToUpperInvariant()}"] = fake.BaseUrl(api);
        }
        return environment;
    }
}

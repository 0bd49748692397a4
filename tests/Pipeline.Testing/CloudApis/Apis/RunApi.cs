using System.Text.Json.Nodes;

namespace Pipeline.Tests.Fixtures.CloudApis;

/// <summary>
/// Cloud Run Admin API v1 (regional, Knative-style, as <c>gcloud run deploy</c> calls it): services are created or
/// replaced whole, each change is a new generation and revision, and the fake answers with the service Ready.
/// </summary>
internal sealed class RunApi : ICloudApi
{
    public string Name => "run";

    public ApiAnswer? Handle(ApiRoute r)
    {
        const string Services = "/apis/serving.knative.dev/v1/namespaces/(?<ns>[^/]+)/services";
        if (r.Is("GET", Services + "/(?<s>[^/]+)"))
        {
            return r.Enter("run.namespaces.services.get") ??
                (r.State.Get(Name, Key(r["s"])) is { } found ? ApiAnswer.Ok(found) : ApiAnswer.Error(404, "NOT_FOUND", $"Resource '{r["s"]}' of kind 'SERVICE' in region 'europe-west1' in project '{r.State.ProjectId}' does not exist."));
        }
        if (r.Is("POST", Services) || r.Is("PUT", Services + "/(?<s>[^/]+)"))
        {
            var create = r.Call.Method == "POST";
            var fault = r.Enter(create ? "run.namespaces.services.create" : "run.namespaces.services.replaceService", Name, "v1", "Service");
            if (fault is not null)
            {
                return fault;
            }
            var service = (JsonObject)r.Call.Json.DeepClone();
            var metadata = service["metadata"] as JsonObject ?? throw new SchemaException("metadata is required");
            var name = metadata["name"]?.GetValue<string>() ?? throw new SchemaException("metadata.name is required");
            var current = r.State.Get(Name, Key(name));
            if (create == (current is not null))
            {
                return create ? ApiAnswer.Error(409, "ALREADY_EXISTS", $"Resource '{name}' already exists.") : ApiAnswer.NotFound(name);
            }
            var generation = (current?["metadata"]?["generation"]?.GetValue<int>() ?? 0) + 1;
            metadata["generation"] = generation;
            metadata["namespace"] = r.State.ProjectNumber;
            metadata["uid"] ??= Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = current?["metadata"]?["creationTimestamp"]?.DeepClone() ?? r.Now;
            metadata["selfLink"] = $"/apis/serving.knative.dev/v1/namespaces/{r.State.ProjectNumber}/services/{name}";
            metadata["resourceVersion"] = r.State.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
            var revision = $"{name}-{generation:00000}-abc";
            var ready = new JsonArray(new[] { "Ready", "ConfigurationsReady", "RoutesReady" }.Select(type =>
                (JsonNode)new JsonObject { ["type"] = type, ["status"] = "True", ["lastTransitionTime"] = r.Now }).ToArray());
            var url = $"https://{name}-{r.State.ProjectNumber}.europe-west1.run.app";
            service["status"] = new JsonObject
            {
                ["observedGeneration"] = generation, ["conditions"] = ready,
                ["latestCreatedRevisionName"] = revision, ["latestReadyRevisionName"] = revision,
                ["url"] = url, ["address"] = new JsonObject { ["url"] = url },
                ["traffic"] = new JsonArray(new JsonObject { ["revisionName"] = revision, ["percent"] = 100, ["latestRevision"] = true }),
            };
            if (create)
            {
                r.State.Create(Name, Key(name), service);
            }
            else
            {
                r.State.Put(Name, Key(name), service);
            }
            return ApiAnswer.Ok(service);
        }
        if (r.Is("GET", "/apis/serving.knative.dev/v1/namespaces/(?<ns>[^/]+)/(?<kind>revisions|routes|configurations)/(?<n>[^/]+)"))
        {
            r.Enter($"run.namespaces.{r["kind"]}.get");
            return ApiAnswer.NotFound(r["n"]);
        }
        if (r.Is("POST", "/v1/projects/(?<p>[^/]+)/locations/(?<l>[^/]+)/services/(?<s>[^/:]+):(?<verb>\\w+)") ||
            r.Is("GET", "/v1/projects/(?<p>[^/]+)/locations/(?<l>[^/]+)/services/(?<s>[^/:]+):(?<verb>getIamPolicy)"))
        {
            if (r.State.Get(Name, Key(r["s"])) is null)
            {
                r.Enter("run.projects.locations.services." + r["verb"]);
                return ApiAnswer.NotFound(r["s"]);
            }
            return r.Iam(Name, "v1", Key(r["s"]), r["verb"], "run.projects.locations.services");
        }
        return null;
    }

    private static string Key(string service) => "services/" + service;
}

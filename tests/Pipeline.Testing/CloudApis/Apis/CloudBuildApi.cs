using System.Text.Json.Nodes;

namespace Pipeline.Tests.Fixtures.CloudApis;

/// <summary>Cloud Build v1: a submitted build is recorded and finishes at once (SUCCESS); its log is the fake's <see cref="CloudApiFake.BuildLog"/>.</summary>
internal sealed class CloudBuildApi : ICloudApi
{
    public string Name => "cloudbuild";

    public ApiAnswer? Handle(ApiRoute r)
    {
        const string Parent = "/v1/projects/(?<p>[^/]+)(/locations/(?<l>[^/]+))?";
        if (r.Is("POST", Parent + "/builds"))
        {
            var fault = r.Enter("cloudbuild.projects.locations.builds.create", Name, "v1", "Build");
            if (fault is not null)
            {
                return fault;
            }
            var id = Guid.NewGuid().ToString();
            var location = r["l"].Length == 0 ? "global" : r["l"];
            var build = (JsonObject)r.Call.Json.DeepClone();
            build["id"] = id;
            build["name"] = $"projects/{r.State.ProjectNumber}/locations/{location}/builds/{id}";
            build["projectId"] = r.State.ProjectId;
            build["status"] = "SUCCESS";
            build["createTime"] = r.Now;
            build["startTime"] = r.Now;
            build["finishTime"] = r.Now;
            build["logUrl"] = $"https://console.cloud.google.com/cloud-build/builds;region={location}/{id}?project={r.State.ProjectNumber}";
            r.State.Create(Name, $"builds/{id}", build);
            return ApiAnswer.Ok(new JsonObject
            {
                ["name"] = $"projects/{r.State.ProjectNumber}/locations/{location}/operations/{Guid.NewGuid()}",
                ["metadata"] = new JsonObject
                {
                    ["@type"] = "type.googleapis.com/google.devtools.cloudbuild.v1.BuildOperationMetadata", ["build"] = build.DeepClone(),
                },
            });
        }
        if (r.Is("GET", Parent + "/builds/(?<id>[^/:]+)"))
        {
            return r.Enter("cloudbuild.projects.locations.builds.get") ??
                (r.State.Get(Name, "builds/" + r["id"]) is { } found ? ApiAnswer.Ok(found) : ApiAnswer.NotFound(r["id"]));
        }
        return null;
    }
}

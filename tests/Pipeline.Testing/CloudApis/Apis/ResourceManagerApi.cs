using System.Text.Json.Nodes;

namespace Pipeline.Tests.Fixtures.CloudApis;

/// <summary>Cloud Resource Manager v1 and v3: the project (its number) and its IAM policy.</summary>
internal sealed class ResourceManagerApi : ICloudApi
{
    public string Name => "cloudresourcemanager";

    public ApiAnswer? Handle(ApiRoute r)
    {
        if (r.Is("GET", "/(?<v>v1|v3)/projects/(?<p>[^/:]+)"))
        {
            var fault = r.Enter("cloudresourcemanager.projects.get");
            if (fault is not null)
            {
                return fault;
            }
            if (r["p"] != r.State.ProjectId && r["p"] != r.State.ProjectNumber)
            {
                return ApiAnswer.Error(403, "PERMISSION_DENIED", $"The caller does not have permission");
            }
            return ApiAnswer.Ok(r["v"] == "v1"
                ? new JsonObject
                {
                    ["projectId"] = r.State.ProjectId, ["projectNumber"] = r.State.ProjectNumber, ["name"] = r.State.ProjectId,
                    ["lifecycleState"] = "ACTIVE", ["createTime"] = "2024-01-01T00:00:00Z",
                }
                : new JsonObject
                {
                    ["name"] = $"projects/{r.State.ProjectNumber}", ["projectId"] = r.State.ProjectId, ["state"] = "ACTIVE",
                    ["displayName"] = r.State.ProjectId,
                });
        }
        if (r.Is("POST", "/(?<v>v1|v3)/projects/(?<p>[^/:]+):(?<verb>\\w+)"))
        {
            return r.Iam("cloudresourcemanager", r["v"], $"projects/{r.State.ProjectId}", r["verb"], "cloudresourcemanager.projects");
        }
        return null;
    }
}

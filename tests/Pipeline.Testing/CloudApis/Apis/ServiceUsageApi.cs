using System.Text.Json.Nodes;

namespace Pipeline.Tests.Fixtures.CloudApis;

/// <summary>Service Usage v1: enabling APIs (operations done at once).</summary>
internal sealed class ServiceUsageApi : ICloudApi
{
    public string Name => "serviceusage";

    public ApiAnswer? Handle(ApiRoute r)
    {
        if (r.Is("POST", "/v1/projects/(?<p>[^/]+)/services:batchEnable"))
        {
            var fault = r.Enter("serviceusage.services.batchEnable", "serviceusage", "v1", "BatchEnableServicesRequest");
            if (fault is not null)
            {
                return fault;
            }
            var services = new JsonArray();
            foreach (var id in r.Call.Json["serviceIds"] as JsonArray ?? [])
            {
                var name = $"projects/{r.State.ProjectNumber}/services/{id}";
                var service = new JsonObject { ["name"] = name, ["state"] = "ENABLED", ["parent"] = $"projects/{r.State.ProjectNumber}" };
                if (r.State.Get("serviceusage", name) is null)
                {
                    r.State.Create("serviceusage", name, service);
                }
                services.Add(service);
            }
            return ApiAnswer.Ok(r.Keep(Name, ApiRoute.Done($"operations/acat.{r.State.Next()}", new JsonObject { ["services"] = services },
                "type.googleapis.com/google.api.serviceusage.v1.BatchEnableServicesResponse")));
        }
        if (r.Is("GET", "/v1/(?<op>operations/.+)"))
        {
            return r.Enter("serviceusage.operations.get") ?? r.Operation(Name, r["op"]);
        }
        if (r.Is("GET", "/v1/projects/(?<p>[^/]+)/services/(?<s>[^/]+)"))
        {
            return r.Enter("serviceusage.services.get") ?? ApiAnswer.Ok(
                r.State.Get("serviceusage", $"projects/{r.State.ProjectNumber}/services/{r["s"]}")
                ?? new JsonObject { ["name"] = $"projects/{r.State.ProjectNumber}/services/{r["s"]}", ["state"] = "DISABLED" });
        }
        return null;
    }
}

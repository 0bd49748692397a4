using System.Text.Json.Nodes;

namespace Pipeline.Tests.Fixtures.CloudApis;

/// <summary>Artifact Registry v1: repositories.</summary>
internal sealed class ArtifactRegistryApi : ICloudApi
{
    public string Name => "artifactregistry";

    public ApiAnswer? Handle(ApiRoute r)
    {
        if (r.Is("GET", "/v1/(?<n>projects/[^/]+/locations/[^/]+/repositories/[^/:]+)"))
        {
            return r.Enter("artifactregistry.projects.locations.repositories.get") ??
                (r.State.Get(Name, r["n"]) is { } found ? ApiAnswer.Ok(found) : ApiAnswer.NotFound(r["n"]));
        }
        if (r.Is("POST", "/v1/(?<parent>projects/[^/]+/locations/[^/]+)/repositories"))
        {
            var fault = r.Enter("artifactregistry.projects.locations.repositories.create", Name, "v1", "Repository");
            if (fault is not null)
            {
                return fault;
            }
            var name = $"{r["parent"]}/repositories/{r.Call.Q("repositoryId")}";
            var repository = ApiRoute.With(r.Call.Json, "name", name);
            repository["createTime"] = r.Now;
            repository["updateTime"] = r.Now;
            if (!r.State.Create(Name, name, repository))
            {
                return ApiAnswer.Conflict(name);
            }
            return ApiAnswer.Ok(r.Keep(Name, ApiRoute.Done($"{r["parent"]}/operations/{r.State.Next()}", repository,
                "type.googleapis.com/google.devtools.artifactregistry.v1.Repository")));
        }
        if (r.Is("GET", "/v1/(?<op>projects/[^/]+/locations/[^/]+/operations/[^/]+)"))
        {
            return r.Enter("artifactregistry.projects.locations.operations.get") ?? r.Operation(Name, r["op"]);
        }
        return null;
    }
}

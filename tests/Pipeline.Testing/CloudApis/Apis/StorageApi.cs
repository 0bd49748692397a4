using System.Text.Json.Nodes;

namespace Pipeline.Tests.Fixtures.CloudApis;

/// <summary>Cloud Storage JSON API v1: buckets, their IAM policy, the project's service agent, and the build log object.</summary>
internal sealed class StorageApi : ICloudApi
{
    public string Name => "storage";

    public ApiAnswer? Handle(ApiRoute r)
    {
        if (r.Is("GET", "(/storage/v1)?/b/(?<b>[^/]+)"))
        {
            return r.Enter("storage.buckets.get") ??
                (r.State.Get(Name, "b/" + r["b"]) is { } found ? ApiAnswer.Ok(found) : ApiAnswer.Error(404, "NOT_FOUND", "The specified bucket does not exist."));
        }
        if (r.Is("POST", "(/storage/v1)?/b"))
        {
            var fault = r.Enter("storage.buckets.insert", Name, "v1", "Bucket");
            if (fault is not null)
            {
                return fault;
            }
            var bucket = (JsonObject)r.Call.Json.DeepClone();
            var name = bucket["name"]?.GetValue<string>() ?? throw new SchemaException("name is required");
            bucket["id"] = name;
            bucket["kind"] = "storage#bucket";
            bucket["projectNumber"] = r.State.ProjectNumber;
            bucket["timeCreated"] = r.Now;
            bucket["location"] = bucket["location"]?.GetValue<string>().ToUpperInvariant() ?? "US";
            return r.State.Create(Name, "b/" + name, bucket)
                ? ApiAnswer.Ok(bucket)
                : ApiAnswer.Error(409, "ALREADY_EXISTS", "Your previous request to create the named bucket succeeded and you already own it.");
        }
        if (r.Is("GET", "(/storage/v1)?/b/(?<b>[^/]+)/iam"))
        {
            var fault = r.Enter("storage.buckets.getIamPolicy");
            return fault ?? ApiAnswer.Ok(Storage(r.State.Policy(Name, "b/" + r["b"]), r["b"]));
        }
        if (r.Is("PUT", "(/storage/v1)?/b/(?<b>[^/]+)/iam"))
        {
            var fault = r.Enter("storage.buckets.setIamPolicy", Name, "v1", "Policy");
            if (fault is not null)
            {
                return fault;
            }
            var set = r.State.SetPolicy(Name, "b/" + r["b"], r.Call.Json);
            return set is null ? ApiAnswer.Error(412, "FAILED_PRECONDITION", "Precondition Failed") : ApiAnswer.Ok(Storage(set, r["b"]));
        }
        if (r.Is("GET", "(/storage/v1)?/projects/(?<p>[^/]+)/serviceAccount"))
        {
            return r.Enter("storage.projects.serviceAccount.get") ?? ApiAnswer.Ok(new JsonObject
            {
                ["kind"] = "storage#serviceAccount",
                ["email_address"] = $"service-{r.State.ProjectNumber}@gs-project-accounts.iam.gserviceaccount.com",
            });
        }
        return null;
    }

    private static JsonObject Storage(JsonObject policy, string bucket)
    {
        policy["kind"] = "storage#policy";
        policy["resourceId"] = "projects/_/buckets/" + bucket;
        return policy;
    }
}

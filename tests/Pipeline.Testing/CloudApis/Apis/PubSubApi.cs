using System.Text.Json.Nodes;

namespace Pipeline.Tests.Fixtures.CloudApis;

/// <summary>Pub/Sub v1: topics, subscriptions (created with PUT, updated with a mask), their IAM policies.</summary>
internal sealed class PubSubApi : ICloudApi
{
    public string Name => "pubsub";

    public ApiAnswer? Handle(ApiRoute r)
    {
        if (r.Is("GET", "/v1/(?<n>projects/[^/]+/(?<kind>topics|subscriptions)/[^/:]+)"))
        {
            return r.Enter($"pubsub.projects.{r["kind"]}.get") ??
                (r.State.Get(Name, r["n"]) is { } found ? ApiAnswer.Ok(found) : ApiAnswer.Error(404, "NOT_FOUND", $"Resource not found (resource={r["n"].Split('/')[^1]})."));
        }
        if (r.Is("PUT", "/v1/(?<n>projects/[^/]+/(?<kind>topics|subscriptions)/[^/:]+)"))
        {
            var kind = r["kind"];
            var fault = r.Enter($"pubsub.projects.{kind}.create", Name, "v1", kind == "topics" ? "Topic" : "Subscription");
            if (fault is not null)
            {
                return fault;
            }
            var resource = ApiRoute.With(r.Call.Json, "name", r["n"]);
            if (kind == "subscriptions")
            {
                var topic = resource["topic"]?.GetValue<string>() ?? "";
                if (r.State.Get(Name, topic) is null)
                {
                    return ApiAnswer.Error(404, "NOT_FOUND", "Resource not found (resource=" + topic.Split('/')[^1] + ").");
                }
                resource["ackDeadlineSeconds"] ??= 10;
                resource["messageRetentionDuration"] ??= "604800s";
                resource["state"] = "ACTIVE";
            }
            return r.State.Create(Name, r["n"], resource)
                ? ApiAnswer.Ok(resource)
                : ApiAnswer.Error(409, "ALREADY_EXISTS", $"Resource already exists in the project (resource={r["n"].Split('/')[^1]}).");
        }
        if (r.Is("PATCH", "/v1/(?<n>projects/[^/]+/(?<kind>topics|subscriptions)/[^/:]+)"))
        {
            var kind = r["kind"];
            var single = kind == "topics" ? "topic" : "subscription";
            var fault = r.Enter($"pubsub.projects.{kind}.patch", Name, "v1", kind == "topics" ? "UpdateTopicRequest" : "UpdateSubscriptionRequest");
            if (fault is not null)
            {
                return fault;
            }
            var current = r.State.Get(Name, r["n"]);
            if (current is null)
            {
                return ApiAnswer.Error(404, "NOT_FOUND", $"Resource not found (resource={r["n"].Split('/')[^1]}).");
            }
            var mask = r.Call.Json["updateMask"]?.GetValue<string>() ?? throw new SchemaException("updateMask is required");
            r.Fake.Schemas?.CheckMask(Name, "v1", kind == "topics" ? "Topic" : "Subscription", mask);
            var changes = r.Call.Json[single] as JsonObject ?? [];
            foreach (var path in mask.Split(','))
            {
                Masks.Apply(current, changes, path);
            }
            r.State.Put(Name, r["n"], current);
            return ApiAnswer.Ok(current);
        }
        if (r.Is("DELETE", "/v1/(?<n>projects/[^/]+/(?<kind>topics|subscriptions)/[^/:]+)"))
        {
            return r.Enter($"pubsub.projects.{r["kind"]}.delete") ??
                (r.State.Delete(Name, r["n"]) ? ApiAnswer.Ok(new JsonObject()) : ApiAnswer.NotFound(r["n"]));
        }
        if (r.Is("GET", "/v1/(?<n>projects/[^/]+/(?<kind>topics|subscriptions)/[^/:]+):getIamPolicy") ||
            r.Is("POST", "/v1/(?<n>projects/[^/]+/(?<kind>topics|subscriptions)/[^/:]+):(?<verb>\\w+)"))
        {
            if (r.State.Get(Name, r["n"]) is null)
            {
                r.Enter($"pubsub.projects.{r["kind"]}.{(r.Call.Method == "GET" ? "getIamPolicy" : r["verb"])}");
                return ApiAnswer.Error(404, "NOT_FOUND", $"Resource not found (resource={r["n"].Split('/')[^1]}).");
            }
            return r.Iam(Name, "v1", r["n"], r.Call.Method == "GET" ? "getIamPolicy" : r["verb"], $"pubsub.projects.{r["kind"]}");
        }
        return null;
    }
}

/// <summary>Applies one update-mask path: copies that field from the request's resource (or clears it).</summary>
internal static class Masks
{
    public static void Apply(JsonObject target, JsonObject source, string path)
    {
        var parts = path.Trim().Split('.').Select(Camel).ToArray();
        var (into, from) = (target, (JsonObject?)source);
        for (var i = 0; i < parts.Length - 1; i++)
        {
            into = (JsonObject)(into[parts[i]] ??= new JsonObject());
            from = from?[parts[i]] as JsonObject;
        }
        var value = from?[parts[^1]];
        if (value is null)
        {
            into.Remove(parts[^1]);
        }
        else
        {
            into[parts[^1]] = value.DeepClone();
        }
    }

    /// <summary>ack_deadline_seconds → ackDeadlineSeconds (masks may use either).</summary>
    public static string Camel(string name)
    {
        var pieces = name.Split('_');
        return pieces[0] + string.Concat(pieces.Skip(1).Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
    }
}

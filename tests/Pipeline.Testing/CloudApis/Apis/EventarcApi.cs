using System.Text.Json.Nodes;

namespace Pipeline.Tests.Fixtures.CloudApis;

/// <summary>
/// Eventarc v1: triggers. As Eventarc does, a trigger gets a Pub/Sub transport: the given topic (or one Eventarc
/// creates, for Cloud Storage events) and a push subscription Eventarc creates on it; deleting the trigger deletes
/// that subscription (and the topic Eventarc created).
/// </summary>
internal sealed class EventarcApi : ICloudApi
{
    public string Name => "eventarc";

    public ApiAnswer? Handle(ApiRoute r)
    {
        const string Triggers = "/v1/(?<parent>projects/[^/]+/locations/(?<l>[^/]+))/triggers";
        if (r.Is("GET", Triggers + "/(?<t>[^/:]+)"))
        {
            return r.Enter("eventarc.projects.locations.triggers.get") ??
                (r.State.Get(Name, $"{r["parent"]}/triggers/{r["t"]}") is { } found ? ApiAnswer.Ok(found) : ApiAnswer.NotFound($"{r["parent"]}/triggers/{r["t"]}"));
        }
        if (r.Is("POST", Triggers))
        {
            var fault = r.Enter("eventarc.projects.locations.triggers.create", Name, "v1", "Trigger");
            if (fault is not null)
            {
                return fault;
            }
            var name = $"{r["parent"]}/triggers/{r.Call.Q("triggerId")}";
            if (r.State.Get(Name, name) is not null)
            {
                return ApiAnswer.Conflict(name);
            }
            var trigger = ApiRoute.With(r.Call.Json, "name", name);
            var id = r.State.Next();
            trigger["uid"] = Guid.NewGuid().ToString();
            trigger["createTime"] = r.Now;
            trigger["updateTime"] = r.Now;
            trigger["etag"] = "e" + id;
            var project = r.State.ProjectId;
            var topic = trigger["transport"]?["pubsub"]?["topic"]?.GetValue<string>();
            if (topic is null)
            {
                topic = $"projects/{project}/topics/eventarc-{r["l"]}-{r.Call.Q("triggerId")}-{id}";
                r.State.Create("pubsub", topic, new JsonObject { ["name"] = topic });
            }
            var subscription = $"projects/{project}/subscriptions/eventarc-{r["l"]}-{r.Call.Q("triggerId")}-sub-{id}";
            r.State.Create("pubsub", subscription, new JsonObject
            {
                ["name"] = subscription, ["topic"] = topic, ["ackDeadlineSeconds"] = 10, ["state"] = "ACTIVE",
                ["pushConfig"] = new JsonObject { ["pushEndpoint"] = $"https://eventarc.example/{name}" },
            });
            trigger["transport"] = new JsonObject { ["pubsub"] = new JsonObject { ["topic"] = topic, ["subscription"] = subscription } };
            r.State.Create(Name, name, trigger);
            return ApiAnswer.Ok(Operation(r, trigger));
        }
        if (r.Is("PATCH", Triggers + "/(?<t>[^/:]+)"))
        {
            var fault = r.Enter("eventarc.projects.locations.triggers.patch", Name, "v1", "Trigger");
            if (fault is not null)
            {
                return fault;
            }
            var name = $"{r["parent"]}/triggers/{r["t"]}";
            var current = r.State.Get(Name, name);
            if (current is null)
            {
                return ApiAnswer.NotFound(name);
            }
            foreach (var path in (r.Call.Q("updateMask") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                if (path.StartsWith("transport", StringComparison.Ordinal) || path.StartsWith("eventFilters", StringComparison.Ordinal))
                {
                    return ApiAnswer.BadRequest($"The request was invalid: field '{path}' cannot be updated");
                }
                Masks.Apply(current, r.Call.Json, path);
            }
            current["updateTime"] = r.Now;
            current["etag"] = "e" + r.State.Next();
            r.State.Put(Name, name, current);
            return ApiAnswer.Ok(Operation(r, current));
        }
        if (r.Is("DELETE", Triggers + "/(?<t>[^/:]+)"))
        {
            var fault = r.Enter("eventarc.projects.locations.triggers.delete");
            if (fault is not null)
            {
                return fault;
            }
            var name = $"{r["parent"]}/triggers/{r["t"]}";
            var current = r.State.Get(Name, name);
            if (current is null)
            {
                return ApiAnswer.NotFound(name);
            }
            r.State.Delete(Name, name);
            r.State.Delete("pubsub", current["transport"]!["pubsub"]!["subscription"]!.GetValue<string>());
            return ApiAnswer.Ok(Operation(r, current));
        }
        if (r.Is("GET", "/v1/(?<op>projects/[^/]+/locations/[^/]+/operations/[^/]+)"))
        {
            return r.Enter("eventarc.projects.locations.operations.get") ?? r.Operation(Name, r["op"]);
        }
        if (r.Is("GET", "/v1/(?<n>projects/[^/]+/locations/[^/]+/providers/[^/]+)"))
        {
            r.Enter("eventarc.projects.locations.providers.get");
            return ApiAnswer.NotFound(r["n"]);
        }
        return null;
    }

    private JsonObject Operation(ApiRoute r, JsonObject trigger) =>
        r.Keep(Name, ApiRoute.Done($"{r["parent"]}/operations/operation-{r.State.Next()}", trigger, "type.googleapis.com/google.cloud.eventarc.v1.Trigger"));
}

using System.Text.Json.Nodes;

namespace Pipeline.Tests.Fixtures.CloudApis;

/// <summary>One request to the fake, as recorded: which host and path, its query, its JSON body, who sent it.</summary>
public sealed record ApiCall(
    string Method, string Host, string Path, IReadOnlyDictionary<string, string> Query, JsonNode? Body, string RawBody, string Reason)
{
    /// <summary>The answer's status, set once the fake answered.</summary>
    public int Status { get; set; }

    /// <summary>The answer's error message, if any.</summary>
    public string? Error { get; set; }

    /// <summary>The API (serviceusage, run, pubsub, …) the fake routed the call to.</summary>
    public string Api { get; set; } = "";

    /// <summary>The API method (e.g. pubsub.projects.topics.create), as the fake understood it.</summary>
    public string Operation { get; set; } = "";

    /// <summary>A query parameter or null.</summary>
    public string? Q(string name) => Query.TryGetValue(name, out var value) ? value : null;

    /// <summary>The body as an object (an empty one without a body).</summary>
    public JsonObject Json => Body as JsonObject ?? [];

    public override string ToString() => $"{Method} {Host}{Path}{(Query.Count == 0 ? "" : "?" + string.Join("&", Query.Select(q => q.Key + "=" + q.Value)))} -> {Status} [{Operation}] ({Reason})";
}

/// <summary>What the fake answers: a status and a JSON body (or raw text).</summary>
public sealed record ApiAnswer(int Status, JsonNode? Body, string? Text = null, string ContentType = "application/json")
{
    public static ApiAnswer Ok(JsonNode? body) => new(200, body ?? new JsonObject());

    /// <summary>Google's error shape: {"error": {"code", "message", "status"}}.</summary>
    public static ApiAnswer Error(int code, string status, string message, JsonArray? details = null) =>
        new(code, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = code, ["message"] = message, ["status"] = status,
                ["errors"] = new JsonArray(new JsonObject { ["message"] = message, ["domain"] = "global", ["reason"] = Reason(code) }),
                ["details"] = details ?? [],
            },
        });

    public static ApiAnswer NotFound(string what) => Error(404, "NOT_FOUND", $"Resource '{what}' was not found");

    public static ApiAnswer Conflict(string what) => Error(409, "ALREADY_EXISTS", $"Resource already exists in the project (resource={what}).");

    public static ApiAnswer BadRequest(string message) => Error(400, "INVALID_ARGUMENT", message);

    private static string Reason(int code) => code switch
    {
        400 => "badRequest", 403 => "forbidden", 404 => "notFound", 409 => "conflict", _ => "backendError",
    };
}

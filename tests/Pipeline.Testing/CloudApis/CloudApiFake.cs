using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Pipeline.Tests.Fixtures.CloudApis;

/// <summary>
/// A stateful, recording fake of the Google control-plane APIs the deploy scripts call, on 127.0.0.1: each API under
/// its own path prefix (<c>http://127.0.0.1:PORT/pubsub/</c>, …), reached through <see cref="LoopbackProxy"/>.
/// Every request is recorded; request bodies are checked against the SDK's generated clients
/// (<see cref="MessageSchemas"/>) and refused with Google's 400 where Google refuses them. A request to a host the
/// fake does not serve is refused and recorded as an escape.
/// </summary>
public sealed class CloudApiFake : IAsyncDisposable
{
    /// <summary>The operation recorded for a BigQuery call that BigQuery's discovery document refused.</summary>
    public const string BigQueryRefused = "bigquery.refusedByDiscovery";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ApiCall> _calls = new();
    private readonly ConcurrentQueue<string> _escapes = new();
    private readonly ConcurrentDictionary<int, Fault> _faults = new();
    private readonly Dictionary<string, ICloudApi> _apis;
    private int _faultIds;

    private CloudApiFake(WebApplication app, CloudState state, MessageSchemas? schemas, IEnumerable<ICloudApi> apis)
    {
        _app = app;
        State = state;
        Schemas = schemas;
        _apis = apis.ToDictionary(a => a.Name);
        Port = new Uri(app.Urls.First()).Port;
    }

    public int Port { get; }

    public CloudState State { get; }

    public MessageSchemas? Schemas { get; }

    /// <summary>The APIs served, by the name gcloud's endpoint-override variables use (lower case).</summary>
    public IReadOnlyCollection<string> ApiNames => _apis.Keys;

    public string BaseUrl(string api) => $"http://127.0.0.1:{Port}/{api}/";

    public IReadOnlyList<ApiCall> Calls => [.. _calls];

    /// <summary>Hosts (or CONNECT targets) something tried to reach that the fake does not serve.</summary>
    public IReadOnlyList<string> Escapes => [.. _escapes];

    /// <summary>Text the fake serves as the Cloud Build build's log.</summary>
    public string BuildLog { get; set; } = "Step #0 - \"setup\": rehearsal: the build's own log line\n";

    public void RecordEscape(string target) => _escapes.Enqueue(target);

    /// <summary>
    /// Answers the first <paramref name="times"/> calls matching <paramref name="operation"/> (e.g.
    /// "pubsub.projects.topics.setIamPolicy") with an error, as Google does while a change propagates.
    /// </summary>
    public void FailFirst(string operation, int times, int status, string statusName, string message, JsonArray? details = null) =>
        _faults[Interlocked.Increment(ref _faultIds)] = new Fault(operation, times, ApiAnswer.Error(status, statusName, message, details));

    public static async Task<CloudApiFake> StartAsync(CloudState state, MessageSchemas? schemas, string? bigQueryDiscovery, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        ICloudApi[] apis =
        [
            new ServiceUsageApi(), new ResourceManagerApi(), new ArtifactRegistryApi(), new PubSubApi(), new StorageApi(),
            new IamApi(), new RunApi(), new EventarcApi(), new CloudBuildApi(), new LoggingApi(), new BigQueryApi(bigQueryDiscovery),
        ];
        CloudApiFake? fake = null;
        app.Run(context => fake!.HandleAsync(context));
        await app.StartAsync(cancellationToken);
        fake = new CloudApiFake(app, state, schemas, apis);
        return fake;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var host = request.Host.Value ?? "";
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var raw = await reader.ReadToEndAsync(context.RequestAborted);
        var query = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString());
        JsonNode? body = null;
        if (raw.Length > 0 && (request.ContentType ?? "").Contains("json", StringComparison.Ordinal))
        {
            try
            {
                body = JsonNode.Parse(raw);
            }
            catch (JsonException)
            {
                body = null;
            }
        }
        var call = new ApiCall(request.Method, host, request.Path.Value ?? "", query, body, raw,
            request.Headers["X-Goog-Request-Reason"].ToString());
        var answer = Dispatch(call, host);
        call.Status = answer.Status;
        call.Error = answer.Status >= 400 ? answer.Body?["error"]?["message"]?.GetValue<string>() ?? answer.Text : null;
        _calls.Enqueue(call);
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = answer.ContentType;
        await context.Response.WriteAsync(answer.Text ?? answer.Body?.ToJsonString() ?? "", context.RequestAborted);
    }

    private ApiAnswer Dispatch(ApiCall call, string host)
    {
        if (!Regex.IsMatch(host, $@"^([a-z0-9-]+-)?127\.0\.0\.1:{Port}$"))
        {
            RecordEscape(host + call.Path);
            return ApiAnswer.Error(502, "UNAVAILABLE", $"the rehearsal serves only 127.0.0.1:{Port}, not {host}");
        }
        // bq keeps only the scheme and authority of its endpoint: its discovery document sits at the root.
        var match = call.Path.StartsWith("/$discovery", StringComparison.Ordinal)
            ? Regex.Match("/bigquery" + call.Path, "^/([a-z]+)(/.*)?$")
            : Regex.Match(call.Path, "^/([a-z]+)(/.*)?$");
        if (call.Path.StartsWith("/computeMetadata", StringComparison.Ordinal))
        {
            call.Api = "metadata";
            return ApiAnswer.Error(404, "NOT_FOUND", "not on Google Compute Engine");
        }
        if (!match.Success || !_apis.TryGetValue(match.Groups[1].Value, out var api))
        {
            return ApiAnswer.NotFound(call.Path);
        }
        call.Api = api.Name;
        var route = new ApiRoute(call, match.Groups[2].Value, this);
        ApiAnswer answer;
        try
        {
            answer = api.Handle(route) ?? ApiAnswer.Error(404, "NOT_FOUND", $"the fake {api.Name} has no method for {call.Method} {route.Path}");
        }
        catch (SchemaException e)
        {
            answer = ApiAnswer.BadRequest(e.Message);
        }
        return answer;
    }

    /// <summary>The injected error for this operation, if one is still due.</summary>
    internal ApiAnswer? DueFault(string operation)
    {
        foreach (var (id, fault) in _faults.OrderBy(f => f.Key))
        {
            if (fault.Operation == operation && _faults.TryUpdate(id, fault with { Times = fault.Times - 1 }, fault) && fault.Times > 0)
            {
                return fault.Answer;
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed record Fault(string Operation, int Times, ApiAnswer Answer);
}

/// <summary>One API the fake serves.</summary>
internal interface ICloudApi
{
    /// <summary>The API's name in gcloud's endpoint overrides (lower case), also the fake's path prefix.</summary>
    string Name { get; }

    /// <summary>The answer, or null when no method of this API matches.</summary>
    ApiAnswer? Handle(ApiRoute route);
}

/// <summary>A call being routed: the path below the API's prefix, and helpers the APIs share.</summary>
internal sealed class ApiRoute(ApiCall call, string path, CloudApiFake fake)
{
    private Match _match = Match.Empty;

    public ApiCall Call { get; } = call;

    public string Path { get; } = path;

    public CloudState State => fake.State;

    public CloudApiFake Fake => fake;

    public string this[string group] => Uri.UnescapeDataString(_match.Groups[group].Value);

    /// <summary>Whether the call is this HTTP method on a path matching this pattern (named groups read back by the indexer).</summary>
    public bool Is(string method, string pattern)
    {
        if (!string.Equals(Call.Method, method, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        _match = Regex.Match(Path, "^" + pattern + "$");
        return _match.Success;
    }

    /// <summary>Names the operation, checks the body against its message type, and answers an injected fault if one is due.</summary>
    public ApiAnswer? Enter(string operation, string? api = null, string? version = null, string? bodyType = null)
    {
        Call.Operation = operation;
        if (bodyType is not null && fake.Schemas is not null && Call.Body is not null)
        {
            fake.Schemas.Check(api!, version!, bodyType, Call.Body);
        }
        if (fake.Schemas is not null && Call.Q("updateMask") is { } mask && api is not null && bodyType is not null)
        {
            fake.Schemas.CheckMask(api, version!, bodyType, mask);
        }
        return fake.DueFault(operation);
    }

    public string Now => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ");

    /// <summary>A long-running operation, already done, whose response is the resource.</summary>
    public static JsonObject Done(string name, JsonNode? response, string type) => new()
    {
        ["name"] = name, ["done"] = true,
        ["response"] = response is JsonObject o ? With(o, "@type", type) : new JsonObject { ["@type"] = type },
    };

    /// <summary>Keeps a done operation so that polling it (operations.get) answers it whole, response included.</summary>
    public JsonObject Keep(string api, JsonObject operation)
    {
        State.Put(api, "operations:" + operation["name"]!.GetValue<string>(), operation);
        return operation;
    }

    /// <summary>operations.get: the kept operation (done), or 404.</summary>
    public ApiAnswer Operation(string api, string name) =>
        State.Get(api, "operations:" + name) is { } found ? ApiAnswer.Ok(found) : ApiAnswer.NotFound(name);

    public static JsonObject With(JsonObject o, string key, JsonNode? value)
    {
        var copy = (JsonObject)o.DeepClone();
        copy[key] = value?.DeepClone();
        return copy;
    }

    /// <summary>The IAM methods every resource offers: getIamPolicy, setIamPolicy (with etags), testIamPermissions.</summary>
    public ApiAnswer? Iam(string api, string version, string resource, string verb, string prefix)
    {
        switch (verb)
        {
            case "getIamPolicy":
                return Enter($"{prefix}.getIamPolicy", api, version, "GetIamPolicyRequest") ?? ApiAnswer.Ok(State.Policy(api, resource));
            case "setIamPolicy":
                var fault = Enter($"{prefix}.setIamPolicy", api, version, "SetIamPolicyRequest");
                if (fault is not null)
                {
                    return fault;
                }
                var policy = Call.Json["policy"] as JsonObject ?? throw new SchemaException("policy is required");
                var set = State.SetPolicy(api, resource, policy);
                return set is null
                    ? ApiAnswer.Error(409, "ABORTED", "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.")
                    : ApiAnswer.Ok(set);
            case "testIamPermissions":
                return Enter($"{prefix}.testIamPermissions", api, version, "TestIamPermissionsRequest") ??
                    ApiAnswer.Ok(new JsonObject { ["permissions"] = Call.Json["permissions"]?.DeepClone() ?? new JsonArray() });
            default:
                return null;
        }
    }
}

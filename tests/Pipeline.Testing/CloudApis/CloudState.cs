using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Pipeline.Tests.Fixtures.CloudApis;

/// <summary>
/// What the fake cloud holds: resources by full name (per API), IAM policies with etags, and the log of what was
/// created, updated and deleted. Thread-safe: the deploy steps run concurrently.
/// </summary>
public sealed class CloudState(string projectId, string projectNumber)
{
    private readonly ConcurrentDictionary<string, JsonObject> _resources = new();
    private readonly ConcurrentDictionary<string, JsonObject> _policies = new();
    private readonly ConcurrentQueue<string> _changes = new();
    private readonly Lock _lock = new();
    private long _counter;

    public string ProjectId { get; } = projectId;

    public string ProjectNumber { get; } = projectNumber;

    /// <summary>"created pubsub projects/p/topics/t", "updated …", "deleted …", "iam …" in order.</summary>
    public IReadOnlyList<string> Changes => [.. _changes];

    public long Next() => Interlocked.Increment(ref _counter);

    public JsonObject? Get(string api, string name) =>
        _resources.TryGetValue(Key(api, name), out var found) ? (JsonObject)found.DeepClone() : null;

    public IEnumerable<(string Name, JsonObject Resource)> List(string api, string prefix) =>
        _resources.Where(r => r.Key.StartsWith(Key(api, prefix), StringComparison.Ordinal))
            .OrderBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => (r.Key[(api.Length + 1)..], (JsonObject)r.Value.DeepClone()));

    /// <summary>Stores a new resource; false when one of that name exists.</summary>
    public bool Create(string api, string name, JsonObject resource)
    {
        if (!_resources.TryAdd(Key(api, name), (JsonObject)resource.DeepClone()))
        {
            return false;
        }
        _changes.Enqueue($"created {api} {name}");
        return true;
    }

    public void Put(string api, string name, JsonObject resource)
    {
        _resources[Key(api, name)] = (JsonObject)resource.DeepClone();
        if (!name.StartsWith("operations:", StringComparison.Ordinal))
        {
            _changes.Enqueue($"updated {api} {name}");
        }
    }

    public bool Delete(string api, string name)
    {
        var removed = _resources.TryRemove(Key(api, name), out _);
        if (removed)
        {
            _changes.Enqueue($"deleted {api} {name}");
        }
        return removed;
    }

    /// <summary>The IAM policy of a resource (an empty one with an etag when none was set).</summary>
    public JsonObject Policy(string api, string resource)
    {
        lock (_lock)
        {
            return (JsonObject)_policies.GetOrAdd(Key(api, resource), _ => new JsonObject { ["version"] = 1, ["etag"] = Etag(0), ["bindings"] = new JsonArray() }).DeepClone();
        }
    }

    /// <summary>Sets a policy if its etag is the current one (or absent); null on a concurrent change.</summary>
    public JsonObject? SetPolicy(string api, string resource, JsonObject policy)
    {
        lock (_lock)
        {
            var current = Policy(api, resource);
            var etag = policy["etag"]?.GetValue<string>();
            if (etag is not null && etag != current["etag"]!.GetValue<string>())
            {
                return null;
            }
            var stored = (JsonObject)policy.DeepClone();
            stored["etag"] = Etag(Next());
            stored["version"] ??= 1;
            stored["bindings"] ??= new JsonArray();
            var before = Bindings(current);
            var after = Bindings(stored);
            foreach (var added in after.Except(before))
            {
                _changes.Enqueue($"granted {api} {resource} {added}");
            }
            foreach (var removed in before.Except(after))
            {
                _changes.Enqueue($"revoked {api} {resource} {removed}");
            }
            _policies[Key(api, resource)] = stored;
            return (JsonObject)stored.DeepClone();
        }
    }

    /// <summary>Every binding now held: (api, resource, role, member).</summary>
    public IReadOnlyList<(string Api, string Resource, string Role, string Member)> AllBindings() =>
        [.. _policies.SelectMany(p => Bindings(p.Value).Select(b =>
        {
            var (api, resource) = Split(p.Key);
            var parts = b.Split(' ');
            return (api, resource, parts[0], parts[1]);
        })).OrderBy(b => b.Item2 + b.Item3 + b.Item4, StringComparer.Ordinal)];

    private static HashSet<string> Bindings(JsonObject policy) =>
        [.. (policy["bindings"] as JsonArray ?? []).OfType<JsonObject>()
            .SelectMany(b => (b["members"] as JsonArray ?? []).Select(m => $"{b["role"]} {m}"))];

    /// <summary>Eight base64 characters without padding or URL-unsafe ones: gcloud decodes and re-encodes etags as bytes.</summary>
    private static string Etag(long n) => "BwY" + (n % 100000).ToString("D5", System.Globalization.CultureInfo.InvariantCulture);

    private static string Key(string api, string name) => api + ":" + name;

    private static (string, string) Split(string key) => (key[..key.IndexOf(':')], key[(key.IndexOf(':') + 1)..]);
}

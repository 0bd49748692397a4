using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace Pipeline.Tests.Fixtures.Discovery;

/// <summary>
/// BigQuery's REST API as its own discovery document describes it (the one the <c>bq</c> CLI ships; see
/// <see cref="GoogleCloudSdk.BigQueryDiscoveryPath"/>), judging requests as Google's front end does before BigQuery
/// sees them: the method exists (HTTP verb and path under <c>/bigquery/v2/</c>, or a media upload path under
/// <c>/upload/bigquery/v2/</c> with <c>uploadType=resumable</c> or <c>multipart</c>, or
/// <c>/resumable/upload/bigquery/v2/</c>), every query parameter is the method's or one every method takes, of its
/// type and, for an enum, one of its values, and the JSON body (a multipart upload's metadata part) holds only fields
/// of the method's request schema, each of its type (<see cref="DiscoveryValues"/>). The chunks of a resumable upload
/// (requests to the session URI, which carries <c>upload_id</c>) carry data, not JSON, and are judged by the upload
/// protocol (<see cref="FakeBigQuery"/>), not here.
/// <para>
/// Not judged: required fields (BigQuery answers a missing one itself, with its own message), output-only fields sent
/// in a request (Google ignores them), string formats (dates, durations), path parameters' patterns beyond one path
/// segment, headers and scopes. Immutable: one instance serves every fake in a process (<see cref="Sdk"/>).
/// </para>
/// </summary>
public sealed class BigQueryDiscovery
{
    private const string SessionParameter = "upload_id";
    private static readonly Lazy<BigQueryDiscovery?> s_sdk = new(() => GoogleCloudSdk.BigQueryDiscoveryPath is { } path ? Load(path) : null);
    private static readonly Lazy<BigQueryDiscovery?> s_sdkIamPolicy = new(() =>
        GoogleCloudSdk.BigQueryDiscoveryPath is { } path && Path.Combine(Path.GetDirectoryName(path)!, "iam-policy.json") is var iam && File.Exists(iam)
            ? Load(iam) : null);

    private readonly DiscoveryValues _values;

    private BigQueryDiscovery(string revision, string servicePath, ImmutableArray<DiscoveryMethod> methods,
        FrozenDictionary<string, DiscoveryParameter> parameters, FrozenDictionary<string, DiscoverySchema> schemas)
    {
        Revision = revision;
        ServicePath = servicePath;
        Methods = methods;
        CommonParameters = parameters;
        Schemas = schemas;
        _values = new DiscoveryValues(schemas);
    }

    /// <summary>
    /// The document of the Cloud SDK on this machine, read once per process; null where the SDK (or bq's document) is
    /// missing. Where CI requires the SDK (<see cref="GoogleCloudSdk.Required"/>), asking for the missing document throws.
    /// </summary>
    public static BigQueryDiscovery? Sdk => s_sdk.Value is { } document
        ? document
        : GoogleCloudSdk.Required
            ? throw new InvalidOperationException(
                $"{GoogleCloudSdk.RequireVariable}=1 and bq's discovery document (platform/bq/discovery_next/bigquery.json in the Google Cloud SDK) is missing: "
                + "the fake BigQuery cannot check requests against it")
            : null;

    /// <summary>
    /// The second document bq ships (<c>iam-policy.json</c>), which describes the methods bq calls for a dataset's IAM
    /// policy (<c>datasets/…:getIamPolicy</c>, <c>:setIamPolicy</c>), absent from the first; null where the SDK is missing.
    /// Its paths have no leading slash: judge <c>bigquery/v2/…</c>.
    /// </summary>
    public static BigQueryDiscovery? SdkIamPolicy => s_sdkIamPolicy.Value;

    /// <summary>The document's revision (e.g. <c>20250528</c>).</summary>
    public string Revision { get; }

    /// <summary>Where the methods' paths start, from the root: <c>/bigquery/v2/</c>.</summary>
    public string ServicePath { get; }

    /// <summary>Every method of every resource.</summary>
    public ImmutableArray<DiscoveryMethod> Methods { get; }

    /// <summary>The query parameters every method takes (<c>prettyPrint</c>, <c>fields</c>, <c>alt</c>, …).</summary>
    public FrozenDictionary<string, DiscoveryParameter> CommonParameters { get; }

    /// <summary>The named schemas (<c>Job</c>, <c>QueryRequest</c>, …).</summary>
    public FrozenDictionary<string, DiscoverySchema> Schemas { get; }

    /// <summary>Reads a discovery document.</summary>
    public static BigQueryDiscovery Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        var methods = ImmutableArray.CreateBuilder<DiscoveryMethod>();
        void Collect(JsonElement resources)
        {
            foreach (var resource in resources.EnumerateObject())
            {
                if (resource.Value.TryGetProperty("methods", out var declared))
                {
                    methods.AddRange(declared.EnumerateObject().Select(m => DiscoveryMethod.From(m.Value)));
                }
                if (resource.Value.TryGetProperty("resources", out var nested))
                {
                    Collect(nested);
                }
            }
        }
        Collect(root.GetProperty("resources"));
        return new BigQueryDiscovery(
            root.GetProperty("revision").GetString()!,
            root.GetProperty("basePath").GetString()!,
            methods.ToImmutable(),
            root.GetProperty("parameters").EnumerateObject()
                .ToFrozenDictionary(p => p.Name, p => DiscoveryMethod.Parameter(p.Name, p.Value), StringComparer.Ordinal),
            root.GetProperty("schemas").EnumerateObject()
                .ToFrozenDictionary(s => s.Name, s => DiscoverySchema.From(s.Value), StringComparer.Ordinal));
    }

    /// <summary>Judges one request: its verb, path (from the root), query string (with or without <c>?</c>), content type and body.</summary>
    public DiscoveryVerdict Check(string method, string path, string query, string? contentType, ReadOnlySpan<byte> body)
    {
        var request = $"{method} {path}{(query.Length == 0 || query.StartsWith('?') ? query : "?" + query)}";
        var parameters = QueryHelpers.ParseQuery(query);
        var upload = UploadKind(path);
        var candidates = upload is null
            ? path.StartsWith(ServicePath, StringComparison.Ordinal) ? Methods.Where(m => m.Matches(path[ServicePath.Length..])).ToList() : []
            : Methods.Where(m => m.MatchesUpload(path)).ToList();
        if (candidates.FirstOrDefault(m => m.HttpMethod == method) is not { } found)
        {
            // A session URI's chunks are PUT to the upload path of the method whose upload started the session.
            if (upload is not null && candidates.Count > 0 && parameters.ContainsKey(SessionParameter))
            {
                return Session(request, candidates[0], parameters);
            }
            var others = candidates.Count == 0 ? "" : $" (that path takes {string.Join(", ", candidates.Select(c => c.HttpMethod))})";
            return new DiscoveryVerdict(request, null, [new DiscoveryViolation("",
                $"FakeBigQuery: BigQuery's discovery document (revision {Revision}) has no method {method} {path}{others}.")]);
        }
        if (upload is not null && parameters.ContainsKey(SessionParameter))
        {
            return Session(request, found, parameters);
        }
        var violations = new List<DiscoveryViolation>();
        CheckUploadType(upload, parameters, violations);
        foreach (var (name, values) in parameters)
        {
            CheckParameter(found, name, values, violations);
        }
        if (found.RequestSchema is { } schema)
        {
            var multipart = upload is not null && parameters.TryGetValue("uploadType", out var type) && type == "multipart";
            CheckBody(schema, multipart ? MetadataPart(contentType, body) : body.ToArray(), violations);
        }
        return new DiscoveryVerdict(request, found.Id, [.. violations]);
    }

    /// <summary>The upload protocol a path is for: <c>resumable</c> under /resumable/upload/, <c>upload</c> under /upload/, else null.</summary>
    private string? UploadKind(string path) =>
        path.StartsWith("/resumable/upload" + ServicePath, StringComparison.Ordinal) ? "resumable"
        : path.StartsWith("/upload" + ServicePath, StringComparison.Ordinal) ? "upload"
        : null;

    private static void CheckUploadType(string? upload, Dictionary<string, Microsoft.Extensions.Primitives.StringValues> parameters, List<DiscoveryViolation> violations)
    {
        if (upload is null)
        {
            return;
        }
        var type = parameters.TryGetValue("uploadType", out var given) ? given.ToString() : "";
        string[] accepted = upload == "resumable" ? ["resumable"] : ["resumable", "multipart"];
        if (!accepted.Contains(type))
        {
            violations.Add(new DiscoveryViolation("upload_type",
                $"Invalid value at 'upload_type' (TYPE_STRING), \"{type}\": an upload to this path takes uploadType {string.Join(" or ", accepted)}."));
        }
    }

    private void CheckParameter(DiscoveryMethod method, string name, Microsoft.Extensions.Primitives.StringValues values, List<DiscoveryViolation> violations)
    {
        var parameter = method.Parameters.TryGetValue(name, out var own) && own.Location == "query" ? own
            : CommonParameters.TryGetValue(name, out var common) ? common
            : null;
        if (parameter is null)
        {
            violations.Add(new DiscoveryViolation(name,
                $"Invalid JSON payload received. Unknown name \"{name}\": Cannot bind query parameter. Field '{name}' could not be found in request message."));
            return;
        }
        if (values.Count > 1 && !parameter.Repeated)
        {
            violations.Add(new DiscoveryViolation(name, $"Invalid JSON payload received. Query parameter '{name}' is not repeated, but was given {values.Count} times."));
        }
        foreach (var value in values.Where(v => !DiscoveryValues.ParameterAccepted(v ?? "", parameter.Schema)))
        {
            var field = string.Join('.', name.Split('.').Select(DiscoveryValues.ProtoName));
            violations.Add(new DiscoveryViolation(field, $"Invalid value at '{field}' ({parameter.Schema.ProtoType}), \"{value}\""));
        }
    }

    private void CheckBody(string schema, ReadOnlySpan<byte> body, List<DiscoveryViolation> violations)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            return; // no body is the empty message
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException e)
        {
            violations.Add(new DiscoveryViolation("", $"Invalid JSON payload received. {e.Message}"));
            return;
        }
        using (document)
        {
            // Google names the body by its field in the request message: jobs.insert's Job is 'job'.
            var root = DiscoveryValues.ProtoName(char.ToLowerInvariant(schema[0]) + schema[1..]);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                violations.Add(new DiscoveryViolation(root, $"Invalid JSON payload received. Expected an object at '{root}', got {document.RootElement.ValueKind}."));
                return;
            }
            _values.Check(document.RootElement, new DiscoverySchema("", null, schema, null, null, null, []), root, violations);
        }
    }

    /// <summary>A chunk of a resumable upload's session: only the session's own parameters and the common ones; the body is data.</summary>
    private DiscoveryVerdict Session(string request, DiscoveryMethod method, Dictionary<string, Microsoft.Extensions.Primitives.StringValues> parameters)
    {
        var violations = new List<DiscoveryViolation>();
        foreach (var (name, values) in parameters.Where(p => p.Key is not (SessionParameter or "uploadType")))
        {
            CheckParameter(method, name, values, violations);
        }
        if (parameters.TryGetValue("uploadType", out var type) && type != "resumable")
        {
            violations.Add(new DiscoveryViolation("upload_type", $"Invalid value at 'upload_type' (TYPE_STRING), \"{type}\": an upload session is resumable."));
        }
        return new DiscoveryVerdict(request, method.Id, [.. violations]);
    }

    /// <summary>A multipart/related upload's first part, the metadata (JSON); empty when the body is not multipart.</summary>
    private static byte[] MetadataPart(string? contentType, ReadOnlySpan<byte> body)
    {
        var boundary = contentType?.Split(';').Select(p => p.Trim()).FirstOrDefault(p => p.StartsWith("boundary=", StringComparison.OrdinalIgnoreCase))?["boundary=".Length..].Trim('"');
        if (boundary is null)
        {
            return "not multipart/related"u8.ToArray(); // refused as JSON, with the parser's message
        }
        var text = System.Text.Encoding.UTF8.GetString(body);
        var delimiter = "--" + boundary;
        var start = text.IndexOf(delimiter, StringComparison.Ordinal);
        var headersEnd = start < 0 ? -1 : text.IndexOf("\r\n\r\n", start, StringComparison.Ordinal);
        var end = headersEnd < 0 ? -1 : text.IndexOf("\r\n" + delimiter, headersEnd, StringComparison.Ordinal);
        return end < 0 ? "not multipart/related"u8.ToArray() : System.Text.Encoding.UTF8.GetBytes(text[(headersEnd + 4)..end]);
    }
}

using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.Tests.Fixtures.Discovery;

/// <summary>A parameter of a method (or one every method takes): where it goes (<c>path</c>, <c>query</c>), its value's schema, whether it repeats.</summary>
public sealed record DiscoveryParameter(string Name, string Location, DiscoverySchema Schema, bool Repeated);

/// <summary>
/// One method of a discovery document: its id (<c>bigquery.jobs.insert</c>), HTTP verb, path template relative to
/// the service path (<c>projects/{+projectId}/jobs</c>; matched as its <c>flatPath</c>, <c>projects/{projectsId}/jobs</c>,
/// one segment a parameter, so that <c>{+resource}:getIamPolicy</c> is the path of a table or a routine), parameters, the schema its request body is (null: none),
/// and, for a method that takes media, the paths its uploads go to (<c>/upload/bigquery/v2/projects/{+projectId}/jobs</c>).
/// </summary>
public sealed record DiscoveryMethod(
    string Id,
    string HttpMethod,
    string Path,
    string FlatPath,
    FrozenDictionary<string, DiscoveryParameter> Parameters,
    string? RequestSchema,
    ImmutableArray<string> UploadPaths)
{
    private Regex Template { get; } = TemplateRegex(FlatPath);

    private ImmutableArray<Regex> UploadTemplates { get; } = [.. UploadPaths.Select(TemplateRegex)];

    /// <summary>The method a discovery document's JSON states.</summary>
    public static DiscoveryMethod From(JsonElement json)
    {
        var parameters = json.TryGetProperty("parameters", out var declared)
            ? declared.EnumerateObject().ToFrozenDictionary(p => p.Name, p => Parameter(p.Name, p.Value), StringComparer.Ordinal)
            : FrozenDictionary<string, DiscoveryParameter>.Empty;
        ImmutableArray<string> uploads = json.TryGetProperty("mediaUpload", out var media)
            ? [.. media.GetProperty("protocols").EnumerateObject().Select(p => p.Value.GetProperty("path").GetString()!)]
            : [];
        return new DiscoveryMethod(
            json.GetProperty("id").GetString()!,
            json.GetProperty("httpMethod").GetString()!,
            json.GetProperty("path").GetString()!,
            (json.TryGetProperty("flatPath", out var flat) ? flat : json.GetProperty("path")).GetString()!,
            parameters,
            json.TryGetProperty("request", out var request) ? request.GetProperty("$ref").GetString() : null,
            uploads);
    }

    /// <summary>A parameter as the document states it.</summary>
    public static DiscoveryParameter Parameter(string name, JsonElement json) =>
        new(name, json.GetProperty("location").GetString()!, DiscoverySchema.From(json),
            json.TryGetProperty("repeated", out var repeated) && repeated.GetBoolean());

    /// <summary>Whether <paramref name="path"/> (relative to the service path, e.g. <c>projects/p/jobs</c>) is this method's.</summary>
    public bool Matches(string path) => Template.IsMatch(path);

    /// <summary>Whether <paramref name="path"/> (from the root, e.g. <c>/upload/bigquery/v2/projects/p/jobs</c>) is one of this method's upload paths.</summary>
    public bool MatchesUpload(string path) => UploadTemplates.Any(t => t.IsMatch(path));

    /// <summary>
    /// A path template as a regular expression: each <c>{name}</c> or <c>{+name}</c> is one path segment (BigQuery's
    /// path parameters all have the pattern <c>^[^/]+$</c>), which holds no <c>:</c> either, so that
    /// <c>…/tables/{tableId}</c> does not take <c>…/tables/t:getIamPolicy</c>.
    /// </summary>
    private static Regex TemplateRegex(string template)
    {
        // Split keeps the captured names at the odd positions.
        var parts = Regex.Split(template, @"\{\+?([A-Za-z0-9_]+)\}");
        var pattern = string.Concat(parts.Select((part, i) => i % 2 == 0 ? Regex.Escape(part) : $"(?<{part}>[^/:]+)"));
        return new Regex($"^{pattern}$", RegexOptions.CultureInvariant);
    }
}

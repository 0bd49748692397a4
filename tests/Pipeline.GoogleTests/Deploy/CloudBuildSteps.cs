using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Tests.Deploy;

/// <summary>
/// cloudbuild.yaml's steps as Cloud Build runs them: entrypoint, args and env with the substitutions applied (the
/// declared defaults, overrides, and the built-ins PROJECT_ID and BUILD_ID; <c>$$</c> for a literal <c>$</c>).
/// </summary>
public sealed partial class CloudBuildSteps
{
    private readonly YamlMappingNode _build;

    public CloudBuildSteps(string yaml)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(yaml);
        stream.Load(reader);
        _build = (YamlMappingNode)stream.Documents[0].RootNode;
    }

    public IReadOnlyDictionary<string, string> Defaults =>
        ((YamlMappingNode)_build["substitutions"]).Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => ((YamlScalarNode)c.Value).Value!);

    /// <summary>One step, resolved: its entrypoint, args and env.</summary>
    public Step Resolve(string id, string projectId, string buildId, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var builtIns = new Dictionary<string, string> { ["PROJECT_ID"] = projectId, ["BUILD_ID"] = buildId };
        var substitutions = new Dictionary<string, string>(builtIns);
        foreach (var (key, value) in Defaults)
        {
            substitutions[key] = overrides is not null && overrides.TryGetValue(key, out var given) ? given : Substitute(value, builtIns);
        }
        var step = ((YamlSequenceNode)_build["steps"]).Cast<YamlMappingNode>().Single(s => Scalar(s, "id") == id);
        var args = step.Children.TryGetValue("args", out var a) ? ((YamlSequenceNode)a).Cast<YamlScalarNode>().Select(n => Substitute(n.Value!, substitutions)).ToList() : [];
        var env = step.Children.TryGetValue("env", out var e)
            ? ((YamlSequenceNode)e).Cast<YamlScalarNode>().Select(n => Substitute(n.Value!, substitutions).Split('=', 2)).ToDictionary(p => p[0], p => p[1])
            : [];
        return new Step(id, Scalar(step, "entrypoint"), args, env);
    }

    public IReadOnlyList<string> StepIds => [.. ((YamlSequenceNode)_build["steps"]).Cast<YamlMappingNode>().Select(s => Scalar(s, "id"))];

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;

    private static string Substitute(string text, IReadOnlyDictionary<string, string> values) =>
        Variable().Replace(text, m => m.Value == "$$" ? "$"
            : values.TryGetValue(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value, out var v) ? v : m.Value);

    [GeneratedRegex(@"\$\$|\$\{(\w+)\}|\$([A-Z_][A-Z0-9_]*)")]
    private static partial Regex Variable();

    public sealed record Step(string Id, string Entrypoint, IReadOnlyList<string> Args, IReadOnlyDictionary<string, string> Env);
}

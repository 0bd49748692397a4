using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Pipeline.Tests.Fixtures.CloudApis;

/// <summary>A request Google refuses with 400 INVALID_ARGUMENT (the message is Google's).</summary>
public sealed class SchemaException(string message) : Exception(message);

/// <summary>
/// The request messages of Google's APIs as the Cloud SDK's generated clients describe them
/// (<c>lib/googlecloudsdk/generated_clients/apis/&lt;api&gt;/&lt;version&gt;/&lt;api&gt;_&lt;version&gt;_messages.py</c>), read as data:
/// each message's fields (JSON name, kind, repeated), nested enums and map types. A body is checked as Google's front
/// end checks it: an unknown field, a value of the wrong JSON type, an enum value outside the enum, an update-mask
/// path that is no field, each refused with Google's 400.
/// </summary>
public sealed partial class MessageSchemas(string generatedClientsDirectory)
{
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, Message>> _apis = new();

    /// <summary>Checks a JSON body against a message type; throws <see cref="SchemaException"/> as Google answers.</summary>
    public void Check(string api, string version, string type, JsonNode body)
    {
        var messages = Load(api, version);
        CheckMessage(messages, Resolve(messages, type, ""), body, "");
    }

    /// <summary>Checks each path of an update mask (comma-separated, snake or camel case) names a field.</summary>
    public void CheckMask(string api, string version, string type, string mask)
    {
        var messages = Load(api, version);
        foreach (var path in mask.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var message = Resolve(messages, type, "");
            foreach (var segment in path.Split('.'))
            {
                var field = message?.Fields.GetValueOrDefault(Masks.Camel(segment))
                    ?? throw new SchemaException($"Invalid update mask: '{path}' is not a field of {type}.");
                message = field.Kind == "Message" ? Resolve(messages, field.Type!, field.Scope) : null;
            }
        }
    }

    private static void CheckMessage(IReadOnlyDictionary<string, Message> messages, Message? message, JsonNode? value, string at)
    {
        if (message is null || value is null)
        {
            return;
        }
        if (value is not JsonObject o)
        {
            throw Invalid($"Invalid value at '{Trim(at)}' ({message.Name}), {value.ToJsonString()}");
        }
        foreach (var (key, child) in o)
        {
            var path = at.Length == 0 ? key : $"{at}.{key}";
            if (message.IsMap)
            {
                var valueField = Resolve(messages, "AdditionalProperty", message.Name)?.Fields.GetValueOrDefault("value");
                if (valueField is not null)
                {
                    CheckField(messages, valueField, child, $"{at}[{key}]");
                }
                continue;
            }
            if (!message.Fields.TryGetValue(key, out var field))
            {
                throw Invalid($"Unknown name \"{key}\"{(at.Length == 0 ? "" : $" at '{Trim(at)}'")}: Cannot find field.");
            }
            if (field.Repeated && child is not null)
            {
                if (child is not JsonArray array)
                {
                    throw Invalid($"Invalid value at '{Trim(path)}', {child.ToJsonString()}: expected a list");
                }
                for (var i = 0; i < array.Count; i++)
                {
                    CheckField(messages, field, array[i], $"{path}[{i}]");
                }
                continue;
            }
            CheckField(messages, field, child, path);
        }
    }

    private static void CheckField(IReadOnlyDictionary<string, Message> messages, Field field, JsonNode? value, string at)
    {
        if (value is null)
        {
            return;
        }
        var kind = value.GetValueKind();
        switch (field.Kind)
        {
            case "String" or "Bytes" or "DateTime":
                Expect(kind is JsonValueKind.String, field, value, at);
                break;
            case "Integer":
                Expect(kind is JsonValueKind.Number || (kind is JsonValueKind.String && long.TryParse(value.GetValue<string>(), out _)), field, value, at);
                break;
            case "Float":
                Expect(kind is JsonValueKind.Number || kind is JsonValueKind.String, field, value, at);
                break;
            case "Boolean":
                Expect(kind is JsonValueKind.True or JsonValueKind.False, field, value, at);
                break;
            case "Enum":
                var values = Resolve(messages, field.Type!, field.Scope)?.EnumValues ?? [];
                if (kind is not JsonValueKind.String || (values.Count > 0 && !values.Contains(value.GetValue<string>())))
                {
                    throw Invalid($"Invalid value at '{Trim(at)}' ({field.Type}), {value.ToJsonString()}");
                }
                break;
            case "Message" when field.Type!.StartsWith("extra_types.", StringComparison.Ordinal):
                break;
            case "Message":
                CheckMessage(messages, Resolve(messages, field.Type!, field.Scope), value, at);
                break;
        }
    }

    private static void Expect(bool ok, Field field, JsonNode value, string at)
    {
        if (!ok)
        {
            throw Invalid($"Invalid value at '{Trim(at)}' ({field.Kind}), {value.ToJsonString()}");
        }
    }

    private static SchemaException Invalid(string detail) => new($"Invalid JSON payload received. {detail}");

    private static string Trim(string at) => at;

    /// <summary>A type name as written inside a class: a nested class of the scope or an enclosing one, else top level.</summary>
    private static Message? Resolve(IReadOnlyDictionary<string, Message> messages, string type, string scope)
    {
        for (var s = scope; ; s = s.Contains('.') ? s[..s.LastIndexOf('.')] : "")
        {
            if (messages.TryGetValue(s.Length == 0 ? type : $"{s}.{type}", out var found))
            {
                return found;
            }
            if (s.Length == 0)
            {
                return null;
            }
        }
    }

    private IReadOnlyDictionary<string, Message> Load(string api, string version) =>
        _apis.GetOrAdd($"{api}/{version}", _ => Parse(File.ReadAllText(Path.Combine(generatedClientsDirectory, api, version, $"{api}_{version}_messages.py"))));

    private static Dictionary<string, Message> Parse(string source)
    {
        var messages = new Dictionary<string, Message>();
        var stack = new List<(int Indent, Message Message)>();
        var mapNext = false;
        foreach (var line in source.Split('\n'))
        {
            var indent = line.Length - line.TrimStart().Length;
            if (line.Trim().Length == 0)
            {
                continue;
            }
            if (ClassLine().Match(line) is { Success: true } c)
            {
                stack.RemoveAll(s => s.Indent >= indent);
                var name = string.Join(".", stack.Select(s => s.Message.Name.Split('.')[^1]).Append(c.Groups[1].Value));
                var message = new Message(name, c.Groups[2].Value == "Enum", mapNext);
                messages[name] = message;
                stack.Add((indent, message));
                mapNext = false;
                continue;
            }
            if (line.Contains("@encoding.MapUnrecognizedFields", StringComparison.Ordinal))
            {
                mapNext = true;
                continue;
            }
            stack.RemoveAll(s => s.Indent >= indent);
            if (stack.Count == 0)
            {
                continue;
            }
            var owner = stack[^1];
            if (FieldLine().Match(line) is { Success: true } f)
            {
                var arguments = f.Groups[3].Value;
                var type = TypeArgument().Match(arguments) is { Success: true } t ? t.Groups[1].Value : null;
                owner.Message.Fields[f.Groups[1].Value] = new Field(f.Groups[1].Value, f.Groups[2].Value, type,
                    arguments.Contains("repeated=True", StringComparison.Ordinal), owner.Message.Name);
            }
            else if (owner.Message.IsEnum && EnumLine().Match(line) is { Success: true } e)
            {
                owner.Message.EnumValues.Add(e.Groups[1].Value);
            }
        }
        foreach (Match m in JsonName().Matches(source))
        {
            if (messages.TryGetValue(m.Groups[1].Value, out var message) && message.Fields.Remove(m.Groups[2].Value, out var field))
            {
                message.Fields[m.Groups[3].Value] = field;
            }
        }
        return messages;
    }

    [GeneratedRegex(@"^\s*class (\w+)\(_messages\.(Message|Enum)\):")]
    private static partial Regex ClassLine();

    [GeneratedRegex(@"^\s*(\w+) = _messages\.(\w+)Field\((.*)\)\s*$")]
    private static partial Regex FieldLine();

    [GeneratedRegex(@"^'([\w.]+)'")]
    private static partial Regex TypeArgument();

    [GeneratedRegex(@"^\s*(\w+) = \d+\s*$")]
    private static partial Regex EnumLine();

    [GeneratedRegex(@"encoding\.AddCustomJsonFieldMapping\(\s*([\w.]+), '(\w+)', '([^']+)'\)")]
    private static partial Regex JsonName();

    private sealed record Message(string Name, bool IsEnum, bool IsMap)
    {
        public Dictionary<string, Field> Fields { get; } = [];

        public HashSet<string> EnumValues { get; } = [];
    }

    private sealed record Field(string Name, string Kind, string? Type, bool Repeated, string Scope);
}

using System.Reflection;
using System.Text.RegularExpressions;
using Pipeline.Events.Protobuf;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;
using Pipeline.Events.Protobuf.Cloud.Storage.V1;
using Pipeline.Functions.Framework;
using Pipeline.Functions.Hosting;
using Pipeline.Functions.Testing;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Hosting;

/// <summary>
/// The stand-ins' public surface is what docs/stand-ins.md maps to the official packages: every public type has a
/// row, every row names a real type, and each payload property has the official name and type.
/// </summary>
public sealed partial class StandInSurfaceTest
{
    private static readonly Assembly[] s_standIns =
    [
        typeof(IHttpFunction).Assembly,
        typeof(FunctionHost).Assembly,
        typeof(FunctionTestServer<>).Assembly,
        typeof(CloudEventPayload).Assembly,
    ];

    private static readonly Type[] s_payloads =
        [typeof(MessagePublishedData), typeof(PubsubMessage), typeof(StorageObjectData), typeof(StorageObjectData.Types.CustomerEncryption)];

    [Fact]
    public void EveryPublicType_IsMappedInTheTable_AndEveryRowExists()
    {
        var documented = Rows("stand-in type").Select(r => r[0]).ToHashSet();
        var actual = s_standIns.SelectMany(a => a.GetExportedTypes()).Select(CSharpName).ToHashSet();

        Assert.Empty(actual.Except(documented));
        Assert.Empty(documented.Except(actual));
    }

    [Fact]
    public void EveryTypeRow_NamesAnOfficialCounterpartOrSaysItIsOurs()
    {
        foreach (var row in Rows("stand-in type"))
        {
            Assert.True(row[1].StartsWith("Google.", StringComparison.Ordinal) || row[1].Contains("Google.Cloud.Functions", StringComparison.Ordinal)
                || row[1].StartsWith("Microsoft.", StringComparison.Ordinal) || row[1] is "—" or "internal to the official adapters" or "internal to the official package",
                $"{row[0]}: '{row[1]}' is not an official type");
            Assert.True(row[1] != "—" || row[2].StartsWith("ours", StringComparison.Ordinal), $"{row[0]} has no counterpart and does not say why");
        }
    }

    [Fact]
    public void PayloadProperties_HaveTheOfficialNamesAndTypes()
    {
        var documented = Rows("property").Select(r => (r[0], r[1])).ToHashSet();
        var actual = s_payloads
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Select(p => ($"{t.Name}.{p.Name}", ShortName(p.PropertyType))))
            .ToHashSet();

        Assert.Empty(actual.Except(documented));
        Assert.Empty(documented.Except(actual));
    }

    /// <summary>The rows of the table whose first header cell is <paramref name="firstHeader"/>, code marks stripped.</summary>
    private static List<string[]> Rows(string firstHeader)
    {
        var lines = File.ReadAllLines(Repository.PathOf("docs/stand-ins.md"));
        var start = Array.FindIndex(lines, l => l.StartsWith($"| {firstHeader} |", StringComparison.Ordinal));
        Assert.True(start >= 0, $"docs/stand-ins.md has no table headed '{firstHeader}'");
        return [.. lines.Skip(start + 2).TakeWhile(l => l.StartsWith('|'))
            .Select(l => l.Trim('|').Split(" | ").Select(c => c.Trim().Trim('`')).ToArray())];
    }

    private static string CSharpName(Type type)
    {
        var name = GenericArity().Replace(type.Name, "");
        if (type.IsGenericTypeDefinition)
        {
            var own = type.GetGenericArguments().Skip(type.DeclaringType?.GetGenericArguments().Length ?? 0);
            name += $"<{string.Join(", ", own.Select(a => a.Name))}>";
        }
        return type.DeclaringType is { } outer ? $"{CSharpName(outer)}.{name}" : $"{type.Namespace}.{name}";
    }

    private static string ShortName(Type type) => type switch
    {
        _ when type == typeof(string) => "string",
        _ when type == typeof(int) => "int",
        _ when type == typeof(long) => "long",
        _ when type == typeof(bool) => "bool",
        { IsGenericType: true } => $"{GenericArity().Replace(type.Name, "")}<{string.Join(", ", type.GetGenericArguments().Select(ShortName))}>",
        { DeclaringType: { } outer } => $"{ShortName(outer)}.{type.Name}",
        _ => type.Name,
    };

    [GeneratedRegex("`[0-9]+$")]
    private static partial Regex GenericArity();
}

using System.Text.RegularExpressions;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Deploy;

/// <summary>docs/deploy-permissions.md (method → permission → role) and the roles README's Deploy prerequisites list.</summary>
public sealed partial record DeployPermissions(IReadOnlyDictionary<string, string> Methods, IReadOnlySet<string> Roles)
{
    public static DeployPermissions Read()
    {
        var methods = new Dictionary<string, string>();
        var roles = new HashSet<string>();
        foreach (var line in Repository.Read("docs/deploy-permissions.md").Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)))
        {
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            if (cells.Length < 4 || Role().Match(cells[3]) is not { Success: true } role)
            {
                continue;
            }
            roles.Add(role.Value);
            foreach (Match method in Code().Matches(cells[1]))
            {
                methods.TryAdd(method.Groups[1].Value, role.Value);
            }
        }
        return new DeployPermissions(methods, roles);
    }

    /// <summary>The roles named in README's Deploy prerequisites paragraph.</summary>
    public static IReadOnlyList<string> ReadmeRoles()
    {
        var readme = Repository.Read("README.md");
        var start = readme.IndexOf("Prerequisites:", readme.IndexOf("## Deploy", StringComparison.Ordinal), StringComparison.Ordinal);
        var paragraph = readme[start..readme.IndexOf("\n\n", start, StringComparison.Ordinal)];
        return [.. Role().Matches(paragraph).Select(m => m.Value).Distinct()];
    }

    [GeneratedRegex(@"roles/[A-Za-z.]+[A-Za-z]")]
    private static partial Regex Role();

    [GeneratedRegex(@"`([a-z]+\.[A-Za-z.]+)`")]
    private static partial Regex Code();
}

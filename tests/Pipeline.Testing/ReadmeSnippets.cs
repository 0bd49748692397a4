using System.Text.RegularExpressions;

namespace Pipeline.Tests.Fixtures;

/// <summary>The code blocks of README.md, so a test runs the code a user copies, not a copy of it.</summary>
public static partial class ReadmeSnippets
{
    /// <summary>The text of every fenced block of <paramref name="language"/> (<c>```js</c>, <c>```sh</c> …), in order.</summary>
    public static IReadOnlyList<string> Blocks(string language) =>
        Fence().Matches(Repository.Read("README.md")).Where(m => m.Groups["lang"].Value == language)
            .Select(m => m.Groups["code"].Value).ToList();

    [GeneratedRegex(@"^```(?<lang>[a-z]*)\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();
}

using System.Text;

namespace Pipeline.Functions.Hosting;

/// <summary>
/// A function program's command line: <c>--help</c>, <c>--port &lt;port&gt;</c> and <c>--NAME value</c> for each
/// configuration variable the function reads (names case-insensitive, <c>--NAME=value</c> too). Anything else
/// — an unknown option, a missing value, a port that is not one, an argument that is no option — is refused with one
/// line naming it.
/// </summary>
public static class FunctionCommandLine
{
    /// <summary>The exit code of a command line that was refused.</summary>
    public const int UsageError = 2;

    /// <summary>What a command line asks for.</summary>
    /// <param name="Help">The usage to print before exiting 0, when <c>--help</c> was asked for; null otherwise.</param>
    /// <param name="Error">The one line to print before exiting <see cref="UsageError"/>; null when the line is good.</param>
    public sealed record Outcome(string? Help, string? Error);

    /// <summary>Reads <paramref name="args"/> for the function <paramref name="program"/>, which reads <paramref name="variables"/>.</summary>
    public static Outcome Parse(string program, IReadOnlyList<string> args, IReadOnlyList<(string Name, string Description)> variables)
    {
        if (args.Any(a => a is "--help" or "-h" or "-?"))
        {
            return new Outcome(Usage(program, variables), null);
        }
        var known = variables.Select(v => v.Name).Append("PORT").ToHashSet(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                return Refused(program, $"'{arg}' is not an option (options are --NAME value)");
            }
            var (name, value) = arg.IndexOf('=', StringComparison.Ordinal) is > 2 and var equals
                ? (arg[2..equals], arg[(equals + 1)..])
                : (arg[2..], i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null);
            if (!known.Contains(name))
            {
                return Refused(program, $"unknown option --{name}");
            }
            if (value is null)
            {
                return Refused(program, $"--{name} needs a value");
            }
            if (name.Equals("PORT", StringComparison.OrdinalIgnoreCase) && PortError($"--{name}", value) is { } error)
            {
                return Refused(program, error);
            }
        }
        return new Outcome(null, null);
    }

    /// <summary>Null when <paramref name="value"/> is a TCP port (0 to 65535, 0 a free one); otherwise why not, naming <paramref name="source"/>.</summary>
    public static string? PortError(string source, string value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? null
            : $"{source}: '{value}' is not a TCP port (1 to 65535, or 0 for a free one)";

    private static Outcome Refused(string program, string problem) =>
        new(null, $"{program}: {problem}. Run '{program} --help' to see the usage.");

    private static string Usage(string program, IReadOnlyList<(string Name, string Description)> variables)
    {
        var usage = new StringBuilder()
            .AppendLine($"Usage: {program} [--port <port>] [--NAME <value>]...")
            .AppendLine()
            .AppendLine($"Serves the function {program} over HTTP (the Functions Framework contract): on 127.0.0.1, or on every interface")
            .AppendLine("when deployed (K_SERVICE) or in a container (DOTNET_RUNNING_IN_CONTAINER=true).")
            .AppendLine()
            .AppendLine("Options:")
            .AppendLine($"  --port <port>  TCP port to listen on (0 picks a free one); default $PORT, else {FunctionHost.DefaultPort}")
            .AppendLine("  --help         Show this usage and exit");
        if (variables.Count > 0)
        {
            usage.AppendLine().AppendLine("Configuration, from the environment or as --NAME <value> (the command line wins):");
            var width = variables.Max(v => v.Name.Length);
            foreach (var variable in variables)
            {
                usage.AppendLine($"  {variable.Name.PadRight(width)}  {variable.Description}");
            }
        }
        return usage.ToString();
    }
}

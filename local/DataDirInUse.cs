using System.Text.RegularExpressions;
using DuckDB.NET.Data;

namespace Pipeline.Local;

/// <summary>
/// Whether another process (another local stack, a <c>load</c>) holds the data directory's DuckDB file: DuckDB lets one
/// process open it, so a second stack there would start and then fail every query. Found before anything starts.
/// </summary>
public static partial class DataDirInUse
{
    /// <summary>The one line that says who holds the warehouse and how to move off it; null when it can be opened (or does not exist yet).</summary>
    public static async Task<string?> ProblemAsync(LocalOptions options, CancellationToken cancellationToken)
    {
        if (options.OnBigQuery || !File.Exists(options.DatabasePath))
        {
            return null;
        }
        try
        {
            await using var connection = new DuckDBConnection($"Data Source={options.DatabasePath}");
            await connection.OpenAsync(cancellationToken);
            return null;
        }
        catch (DuckDBException e) when (e.Message.Contains("Could not set lock", StringComparison.Ordinal))
        {
            var holder = HeldBy().Match(e.Message) is { Success: true } match ? $" (process {match.Groups[1].Value})" : "";
            return $"the warehouse {Path.GetFullPath(options.DatabasePath)} is open in another process{holder}, another local stack or load; " +
                "stop it, or pick another data directory: --data-dir <dir>.";
        }
    }

    [GeneratedRegex(@"\(PID ([0-9]+)\)")]
    private static partial Regex HeldBy();
}

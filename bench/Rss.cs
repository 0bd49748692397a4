using System.Diagnostics;

namespace Pipeline.Bench;

/// <summary>The process's peak resident set (each scenario of <c>all</c> runs in its own process).</summary>
public static class Rss
{
    public static double PeakMegabytes()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.PeakWorkingSet64 / (1024.0 * 1024.0);
    }
}

using System.Diagnostics;

namespace Pipeline.Bench;

/// <summary>
/// The process's resident set: its peak (each scenario of <c>all</c> runs in its own process) and, on Linux, a reset
/// of that peak so that a phase of a scenario can report its own.
/// </summary>
public static class Rss
{
    public static double PeakMegabytes()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.PeakWorkingSet64 / (1024.0 * 1024.0);
    }

    public static double CurrentMegabytes()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64 / (1024.0 * 1024.0);
    }

    /// <summary>
    /// Sets the peak (VmHWM) back to the current resident set, by writing 5 to /proc/self/clear_refs (Linux 4.0 and
    /// later); false where that is not possible, and the peak stays the process's since it started.
    /// </summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            return false;
        }
    }
}

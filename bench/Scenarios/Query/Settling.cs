using System.Diagnostics;

namespace Pipeline.Bench.Scenarios.Query;

/// <summary>
/// When this process has gone quiet: under a tenth of a core over two consecutive quarter-seconds, nothing asked of
/// it. Whatever a stack does in the background after it starts (build a cache, warm up) is then done, whatever it
/// is — it is judged by the CPU the process uses, not by asking the product.
/// </summary>
public static class Settling
{
    private const double QuietShareOfACore = 0.1;
    private const int QuietIntervals = 2;
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Waits until the process is quiet, or <paramref name="limit"/> has passed on <paramref name="since"/>; returns
    /// the time on <paramref name="since"/> when it went quiet (the start of the quiet intervals), or the limit.
    /// </summary>
    public static async Task<TimeSpan> WaitAsync(Stopwatch since, TimeSpan limit)
    {
        using var process = Process.GetCurrentProcess();
        var quiet = 0;
        var quietSince = since.Elapsed;
        var cpu = process.TotalProcessorTime;
        while (since.Elapsed < limit)
        {
            var started = since.Elapsed;
            await Task.Delay(s_interval);
            process.Refresh();
            var used = process.TotalProcessorTime - cpu;
            cpu = process.TotalProcessorTime;
            if (used < (since.Elapsed - started) * QuietShareOfACore)
            {
                quietSince = quiet == 0 ? started : quietSince;
                if (++quiet == QuietIntervals)
                {
                    return quietSince;
                }
            }
            else
            {
                quiet = 0;
            }
        }
        return limit;
    }
}

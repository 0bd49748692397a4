using System.Diagnostics;
using HdrHistogram;

namespace Pipeline.Bench;

/// <summary>
/// Sends <c>count</c> requests at a fixed concurrency (or as many as are started within <c>limit</c>) and records
/// each latency in an HdrHistogram.
/// </summary>
public static class LoadDriver
{
    public sealed record Run(int Requests, int Failures, TimeSpan Elapsed, LongHistogram Latency)
    {
        public double PerSecond => Requests / Elapsed.TotalSeconds;

        /// <summary>Latency at a percentile, in milliseconds.</summary>
        public double Percentile(double p) => Latency.GetValueAtPercentile(p) * 1000.0 / Stopwatch.Frequency;
    }

    public static async Task<Run> RunAsync(int count, int concurrency, Func<int, Task<bool>> send, TimeSpan? limit = null)
    {
        var until = limit ?? TimeSpan.MaxValue;
        var histogram = new LongHistogram(60 * Stopwatch.Frequency, 3);
        var next = -1;
        var failures = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while (clock.Elapsed < until && (i = Interlocked.Increment(ref next)) < count)
            {
                var started = Stopwatch.GetTimestamp();
                var ok = await send(i);
                var elapsed = Stopwatch.GetTimestamp() - started;
                lock (histogram)
                {
                    histogram.RecordValue(elapsed);
                }
                if (!ok)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }));
        return new Run((int)histogram.TotalCount, failures, clock.Elapsed, histogram);
    }
}

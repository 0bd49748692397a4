using System.Diagnostics;
using System.Text;

namespace Pipeline.Tests.Deploy;

/// <summary>One process run to its end: exit code and its output (stdout and stderr, interleaved as they came).</summary>
public sealed record ScriptRun(string Label, int ExitCode, string Output, TimeSpan Took)
{
    public static async Task<ScriptRun> RunAsync(string label, string fileName, IEnumerable<string> args, string workingDirectory,
        IReadOnlyDictionary<string, string> environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        var output = new StringBuilder();
        var started = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            Append(output, $"[rehearsal] {label}: killed after {timeout}");
            return new ScriptRun(label, -1, Text(output), started.Elapsed);
        }
        process.WaitForExit();
        return new ScriptRun(label, process.ExitCode, Text(output), started.Elapsed);
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    public override string ToString() => $"--- {Label}: exit {ExitCode} in {Took.TotalSeconds:F1} s\n{Output}";
}

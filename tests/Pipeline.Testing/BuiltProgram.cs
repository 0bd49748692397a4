using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.Tests.Fixtures;

/// <summary>
/// One of the repository's programs, as built next to the tests (the apphost: pipeline-local, UserContent, …), run as a
/// process the way a user runs it.
/// </summary>
public sealed class BuiltProgram : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly List<string> _lines = [];

    private BuiltProgram(Process process) => _process = process;

    /// <summary>Stdout so far.</summary>
    public string Output { get { lock (_output) { return _output.ToString(); } } }

    /// <summary>Stderr so far.</summary>
    public string Error { get { lock (_output) { return _error.ToString(); } } }

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Stdout's lines so far.</summary>
    public IReadOnlyList<string> Lines { get { lock (_output) { return [.. _lines]; } } }

    /// <summary>Starts <paramref name="name"/> with <paramref name="args"/>; <paramref name="environment"/> sets (a value) or removes (null) variables.</summary>
    public static BuiltProgram Start(string name, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, name), args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // Not the tests' own directory: a program must not depend on where it was started.
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }
        var program = new BuiltProgram(Process.Start(start)!);
        program._process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is not null)
            {
                lock (program._output)
                {
                    program._output.AppendLine(line.Data);
                    program._lines.Add(line.Data);
                }
            }
        };
        program._process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is not null)
            {
                lock (program._output)
                {
                    program._error.AppendLine(line.Data);
                }
            }
        };
        program._process.BeginOutputReadLine();
        program._process.BeginErrorReadLine();
        return program;
    }

    /// <summary>Runs <paramref name="name"/> to its end; killed (exit code null) when it is still running after <paramref name="timeout"/>.</summary>
    public static async Task<(int? ExitCode, string Output, string Error)> RunAsync(
        string name, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        using var program = Start(name, args, environment);
        var exit = await program.ExitCodeAsync(timeout ?? TimeSpan.FromSeconds(20));
        return (exit, program.Output, program.Error);
    }

    /// <summary>The exit code, or null (the process killed) when it has not exited within <paramref name="timeout"/>.</summary>
    public async Task<int?> ExitCodeAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            return null;
        }
    }

    /// <summary>The first stdout line that matches <paramref name="pattern"/>; throws when none came within <paramref name="timeout"/>.</summary>
    public async Task<Match> WaitForLineAsync(string pattern, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            if (Lines.Select(line => Regex.Match(line, pattern)).FirstOrDefault(m => m.Success) is { } match)
            {
                return match;
            }
            await Task.Delay(20);
        }
        throw new TimeoutException($"no line matching {pattern}; stdout: {Output} stderr: {Error}");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}

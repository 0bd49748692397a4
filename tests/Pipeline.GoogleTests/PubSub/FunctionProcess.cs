using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.PubSub;

/// <summary>
/// A production function run as Cloud Run runs it: its build output, <c>dotnet &lt;Function&gt;.dll</c>, with
/// <c>PORT</c> and the given environment only (no Google settings of the test's own), on 127.0.0.1. Stopped by its
/// own process id.
/// </summary>
public sealed class FunctionProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private FunctionProcess(Process process, Uri root)
    {
        _process = process;
        Root = root;
    }

    /// <summary>Where it answers: <c>http://127.0.0.1:&lt;PORT&gt;/</c>.</summary>
    public Uri Root { get; }

    /// <summary>What it logged so far, for assertion messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<FunctionProcess> StartAsync(string function, IReadOnlyDictionary<string, string> environment)
    {
        var port = LoopbackPorts.Free();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, function + ".dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var name in start.Environment.Keys.Where(n => n.StartsWith("GOOGLE_", StringComparison.Ordinal) || n.StartsWith("BIGQUERY_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var function_ = new FunctionProcess(Process.Start(start)!, new Uri($"http://127.0.0.1:{port}/"));
        function_._process.OutputDataReceived += function_.Append;
        function_._process.ErrorDataReceived += function_.Append;
        function_._process.BeginOutputReadLine();
        function_._process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return function_;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !function_._process.HasExited)
            {
                await Task.Delay(100);
            }
            catch (SocketException e)
            {
                await function_.DisposeAsync();
                throw new InvalidOperationException($"{function} did not listen on {port}:\n{function_.Output}", e);
            }
        }
    }

    private void Append(object sender, DataReceivedEventArgs line)
    {
        if (line.Data is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line.Data);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}

using System.Net;
using System.Net.Sockets;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.PubSub;

/// <summary>
/// A production function run as Cloud Run runs it: its build output with <c>PORT</c> and the given environment only
/// (no Google settings of the test's own), on 127.0.0.1. Stopped by its own process id.
/// </summary>
public sealed class FunctionProcess : IAsyncDisposable
{
    private readonly BuiltProgram _program;

    private FunctionProcess(BuiltProgram program, Uri root)
    {
        _program = program;
        Root = root;
    }

    /// <summary>Where it answers: <c>http://127.0.0.1:&lt;PORT&gt;/</c>.</summary>
    public Uri Root { get; }

    /// <summary>What it logged so far, for assertion messages.</summary>
    public string Output => _program.Output + _program.Error;

    public static async Task<FunctionProcess> StartAsync(string function, IReadOnlyDictionary<string, string> environment)
    {
        var port = LoopbackPorts.Free();
        var variables = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(n => n.StartsWith("GOOGLE_", StringComparison.Ordinal) || n.StartsWith("BIGQUERY_", StringComparison.Ordinal))
            .ToDictionary(n => n, string? (_) => null);
        foreach (var (name, value) in environment)
        {
            variables[name] = value;
        }
        variables["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = new FunctionProcess(BuiltProgram.Start(function, [], variables), new Uri($"http://127.0.0.1:{port}/"));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return process;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process._program.HasExited)
            {
                await Task.Delay(100);
            }
            catch (SocketException e)
            {
                await process.DisposeAsync();
                throw new InvalidOperationException($"{function} did not listen on {port}:\n{process.Output}", e);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _program.Dispose();
        return ValueTask.CompletedTask;
    }
}

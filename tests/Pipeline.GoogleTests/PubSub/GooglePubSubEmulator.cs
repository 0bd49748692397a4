using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.PubSub;

/// <summary>
/// Google's Pub/Sub emulator from the Cloud SDK, one per test collection: its own launcher's jar run directly with
/// Java on a free 127.0.0.1 port (so the process stopped at the end is the emulator itself, by its own id), ready once
/// it logs "Server started". Where the SDK or Java is missing it is not started, and each test's
/// <see cref="GoogleCloudSdk.RequirePubSubEmulator"/> skips (or fails on CI).
/// </summary>
public sealed class GooglePubSubEmulator : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly StringBuilder _log = new();
    private Process? _process;

    /// <summary>What <c>PUBSUB_EMULATOR_HOST</c> is for it: <c>127.0.0.1:&lt;port&gt;</c>.</summary>
    public string Host { get; private set; } = "";

    /// <summary>Its REST root, <c>http://127.0.0.1:&lt;port&gt;/</c> (REST and gRPC share the port).</summary>
    public Uri RestRoot => new($"http://{Host}/");

    /// <summary>Its output so far, for assertion messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public async Task InitializeAsync()
    {
        if (GoogleCloudSdk.PubSubEmulatorJar is not { } jar || GoogleCloudSdk.Java is not { } java)
        {
            return;
        }
        var port = LoopbackPorts.Free();
        Host = $"127.0.0.1:{port}";
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var start = new ProcessStartInfo(java, ["-jar", jar, "--host=127.0.0.1", $"--port={port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("java did not start");
        void Read(object _, DataReceivedEventArgs line)
        {
            if (line.Data is null)
            {
                return;
            }
            lock (_log)
            {
                _log.AppendLine(line.Data);
            }
            if (line.Data.Contains("Server started", StringComparison.Ordinal))
            {
                started.TrySetResult();
            }
        }
        _process.OutputDataReceived += Read;
        _process.ErrorDataReceived += Read;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) => started.TrySetException(new InvalidOperationException($"The Pub/Sub emulator exited:\n{Log}"));
        await started.Task.WaitAsync(StartTimeout);
    }

    public async Task DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}

/// <summary>The tests that share one <see cref="GooglePubSubEmulator"/> (they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class GooglePubSubEmulatorCollection : ICollectionFixture<GooglePubSubEmulator>
{
    public const string Name = "Google's Pub/Sub emulator";
}

using Pipeline.Domain.Rows;
using Pipeline.Local;
using Pipeline.Local.Commands;

namespace Pipeline.Tests.Local;

/// <summary>The local stack's command line, through the parser in-process: what each command line runs, or refuses.</summary>
public sealed class LocalCommandLineTest : IDisposable
{
    private readonly string _dump = Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N") + ".csv");
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private LocalOptions? _served;
    private LoadRequest? _loaded;

    public LocalCommandLineTest()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_dump)!);
        File.WriteAllText(_dump, "content_id,category_name\n1,romance\n");
    }

    public void Dispose() => File.Delete(_dump);

    private Task<int> RunAsync(params string[] args) => LocalCommandLine.InvokeAsync(LocalCommandLine.Create(
        (options, _) => { _served = options; return Task.FromResult(0); },
        (request, _) => { _loaded = request; return Task.FromResult(0); }), args, _output, _error);

    [Fact]
    public async Task Help_ExitsZeroWithTheUsageOfEveryOptionAndTheLoadCommand()
    {
        var code = await RunAsync("--help");

        Assert.Equal(0, code);
        var help = _output.ToString();
        Assert.Contains("Usage:", help);
        Assert.Contains("pipeline-local [command] [options]", help);
        foreach (var expected in new[] { "--port", "[default: 8000]", "--pubsub-port", "[default: 8085]", "PUBSUB_EMULATOR_HOST", "--data-dir", "[default: .data]", "--demo", "--warehouse", "duckdb", "bigquery", "load" })
        {
            Assert.Contains(expected, help);
        }
        Assert.Null(_served);
        Assert.Empty(_error.ToString());
    }

    [Fact]
    public async Task LoadHelp_ExitsZeroWithTheUsageOfTheLoadCommand()
    {
        var code = await RunAsync("load", "--help");

        Assert.Equal(0, code);
        var help = _output.ToString();
        foreach (var expected in new[] { "pipeline-local load <file> [options]", "--table", "user_interaction", "content_meta", "(REQUIRED)", "--data-dir", "--max-bad-rows", "[default: 1000]" })
        {
            Assert.Contains(expected, help);
        }
        Assert.Null(_loaded);
    }

    [Fact]
    public async Task NoArguments_ServeTheDefaults()
    {
        Assert.Equal(0, await RunAsync());

        Assert.Equal(new LocalOptions(Port: 8000, DataDir: ".data", Demo: false, Warehouse: "duckdb") { PubSubPort = 8085 }, _served);
    }

    [Fact]
    public async Task EveryOption_IsRead()
    {
        Assert.Equal(0, await RunAsync("--port", "9123", "--pubsub-port", "0", "--project", "my-proj", "--data-dir", "/tmp/x", "--demo", "--warehouse", "duckdb"));

        Assert.Equal(new LocalOptions(Port: 9123, DataDir: "/tmp/x", Demo: true, Warehouse: "duckdb") { PubSubPort = 0, Project = "my-proj" }, _served);
    }

    [Fact]
    public async Task Load_ReadsTheFileTableDataDirAndBadRowLimit()
    {
        Assert.Equal(0, await RunAsync("load", _dump, "--table", "content_meta", "--data-dir", "d", "--max-bad-rows", "7"));

        Assert.Equal((_dump, RecordKind.ContentMeta, "d", 7), (_loaded!.File.FullName, _loaded.Target, _loaded.DataDir, _loaded.MaxBadRows));
        Assert.Null(_served);
    }

    [Fact]
    public async Task Load_Defaults()
    {
        Assert.Equal(0, await RunAsync("load", _dump, "--table", "user_interaction"));

        Assert.Equal((RecordKind.Interaction, ".data", 1000), (_loaded!.Target, _loaded.DataDir, _loaded.MaxBadRows));
    }

    [Theory]
    [InlineData("--nope", "--nope")]
    [InlineData("--port", "--port")]
    [InlineData("--port abc", "'abc'")]
    [InlineData("--port 70000", "'70000'")]
    [InlineData("--pubsub-port abc", "--pubsub-port: 'abc'")]
    [InlineData("--port 9000 --pubsub-port 9000", "--pubsub-port must differ")]
    [InlineData("--port 8085", "--pubsub-port must differ")]
    [InlineData("--warehouse sqlite", "sqlite")]
    [InlineData("--demo --warehouse bigquery", "--demo")]
    [InlineData("extra", "extra")]
    public async Task WrongArgument_ExitsTwoNamingItAndPointingToHelp(string args, string named)
    {
        var code = await RunAsync(args.Split(' '));

        Assert.Equal(2, code);
        var error = _error.ToString();
        Assert.Contains(named, error);
        Assert.Contains("Run 'pipeline-local --help'", error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Null(_served);
    }

    [Theory]
    [InlineData("load", "file")]
    [InlineData("load {dump}", "--table")]
    [InlineData("load {dump} --table users", "users")]
    [InlineData("load /no/such/dump.csv --table user_interaction", "/no/such/dump.csv")]
    [InlineData("load {dump} --table user_interaction --max-bad-rows -1", "--max-bad-rows")]
    [InlineData("load {dump} --table user_interaction --port 1", "--port")]
    public async Task WrongLoadArgument_ExitsTwoNamingItAndPointingToLoadHelp(string args, string named)
    {
        var code = await RunAsync(args.Replace("{dump}", _dump).Split(' '));

        Assert.Equal(2, code);
        var error = _error.ToString();
        Assert.Contains(named, error);
        Assert.Contains("Run 'pipeline-local load --help'", error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Null(_loaded);
    }
}

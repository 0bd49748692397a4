using Pipeline.Bench;

namespace Pipeline.Tests.Bench;

/// <summary>The benchmark harness's command line, through the parser in-process: what each command line runs, or refuses.</summary>
public sealed class BenchCommandLineTest
{
    private static readonly string[] s_scenarios = ["ingest", "freshness", "backfill", "backfill-bigquery", "query", "coldstart"];
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private BenchRequest? _run;

    private Task<int> RunAsync(params string[] args) => BenchCommandLine.InvokeAsync(
        BenchCommandLine.Create(s_scenarios, (request, _) => { _run = request; return Task.FromResult(0); }), args, _output, _error);

    [Fact]
    public async Task Help_ExitsZeroWithTheScenariosAndOptions()
    {
        var code = await RunAsync("--help");

        Assert.Equal(0, code);
        var help = _output.ToString();
        Assert.Contains("pipeline-bench <scenario> [options]", help);
        foreach (var expected in s_scenarios.Append("all").Append("--quick").Append("--out"))
        {
            Assert.Contains(expected, help);
        }
        Assert.Null(_run);
    }

    [Theory]
    [InlineData("ingest", "ingest", false, null)]
    [InlineData("backfill-bigquery --quick", "backfill-bigquery", true, null)]
    [InlineData("all --out /tmp/figures --quick", "all", true, "/tmp/figures")]
    [InlineData("--out /tmp/figures coldstart", "coldstart", false, "/tmp/figures")]
    public async Task Scenario_QuickAndOut_AreRead(string args, string scenario, bool quick, string? outDir)
    {
        Assert.Equal(0, await RunAsync(args.Split(' ')));

        Assert.Equal(new BenchRequest(scenario, quick, outDir), _run);
    }

    [Theory]
    [InlineData("", "scenario")]
    [InlineData("ingestion", "ingestion")]
    [InlineData("query --fast", "--fast")]
    [InlineData("query --out", "--out")]
    [InlineData("query freshness", "freshness")]
    public async Task WrongArgument_ExitsTwoNamingItAndPointingToHelp(string args, string named)
    {
        var code = await RunAsync(args.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Equal(2, code);
        Assert.Contains(named, _error.ToString());
        Assert.Contains("Run 'pipeline-bench --help'", _error.ToString());
        Assert.Null(_run);
    }
}

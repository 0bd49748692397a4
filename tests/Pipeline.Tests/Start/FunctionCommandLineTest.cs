using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Start;

/// <summary>The four function programs' command line, run as the built programs.</summary>
public sealed class FunctionCommandLineTest
{
    [Theory]
    [InlineData("UserContent")]
    [InlineData("IngestInteraction")]
    [InlineData("IngestContent")]
    [InlineData("BackfillCsv")]
    public async Task Help_PrintsTheUsageAndServesNothing(string function)
    {
        // The user's command line: before, it started a server on 8080 and --port was not even read.
        var (exit, output, _) = await BuiltProgram.RunAsync(function, ["--help", "--port", "8099"], timeout: TimeSpan.FromSeconds(15));

        Assert.Equal(0, exit);
        Assert.Contains($"Usage: {function} [--port <port>]", output);
        Assert.Contains("GOOGLE_CLOUD_PROJECT", output);
        Assert.DoesNotContain("Serving function", output);
    }

    [Theory]
    [InlineData("--port abc", "--port: 'abc' is not a TCP port")]
    [InlineData("--port 70000", "--port: '70000' is not a TCP port")]
    [InlineData("--prot 8099", "unknown option --prot")]
    [InlineData("serve", "'serve' is not an option")]
    public async Task WrongCommandLine_IsRefusedInOneLineNamingIt(string args, string named)
    {
        var (exit, output, error) = await BuiltProgram.RunAsync("UserContent", args.Split(' '), timeout: TimeSpan.FromSeconds(15));

        Assert.Equal(2, exit);
        Assert.StartsWith($"UserContent: {named}", error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains("Run 'UserContent --help'", error);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task BadPortVariable_IsRefusedNotReplacedBy8080()
    {
        var (exit, output, error) = await BuiltProgram.RunAsync("UserContent", [],
            new Dictionary<string, string?> { ["PORT"] = "eighty", ["GOOGLE_CLOUD_PROJECT"] = "p", ["BIGQUERY_DATASET"] = "d", ["BIGQUERY_LOCATION"] = "EU" },
            TimeSpan.FromSeconds(15));

        Assert.Equal(1, exit);
        Assert.Equal("UserContent cannot start: PORT: 'eighty' is not a TCP port (1 to 65535, or 0 for a free one).", error.Trim());
        Assert.DoesNotContain("Serving function", output);
    }

    [Fact]
    public async Task MissingBigQueryVariables_AreNamedTogetherInOneLine()
    {
        var (exit, _, error) = await BuiltProgram.RunAsync("IngestInteraction", ["--port", "0"],
            new Dictionary<string, string?> { ["GOOGLE_CLOUD_PROJECT"] = null, ["BIGQUERY_DATASET"] = null, ["BIGQUERY_LOCATION"] = "EU" },
            TimeSpan.FromSeconds(15));

        Assert.Equal(1, exit);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains("not set: GOOGLE_CLOUD_PROJECT, BIGQUERY_DATASET.", error);
    }
}

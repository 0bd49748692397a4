using System.Diagnostics;
using System.Text.Json;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Deploy;

/// <summary>
/// A function's image carries only what production runs: the BigQuery adapter, never DuckDB. Each function's
/// runtime dependency graph (its <c>.deps.json</c>, which the build copies next to the tests and the publish ships)
/// is read; and a function asked for DuckDB stops start-up with one line pointing at the local stack.
/// </summary>
public sealed class ProductionImageTest
{
    public static TheoryData<string> Functions() =>
        new(Directory.GetDirectories(Repository.PathOf("functions")).Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(Functions))]
    public void Function_DependsOnTheBigQueryAdapterAndNothingOfDuckDb(string function)
    {
        var deps = Path.Combine(AppContext.BaseDirectory, function + ".deps.json");
        using var graph = JsonDocument.Parse(File.ReadAllText(deps));
        var libraries = graph.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name).ToList();
        var files = graph.RootElement.GetProperty("targets").EnumerateObject()
            .SelectMany(target => target.Value.EnumerateObject())
            .SelectMany(library => library.Value.EnumerateObject()
                .Where(group => group.Value.ValueKind == JsonValueKind.Object)
                .SelectMany(group => group.Value.EnumerateObject().Select(file => $"{library.Name}: {file.Name}")))
            .ToList();

        Assert.Contains(libraries, l => l.StartsWith("Pipeline.Warehouse.BigQuery/", StringComparison.Ordinal));
        Assert.DoesNotContain(libraries, l => l.Contains("duckdb", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(files, f => f.Contains("duckdb", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [MemberData(nameof(Functions))]
    public Task WarehouseDuckDb_StopsStartUpWithOneLineNamingTheLocalStack(string function) =>
        AssertRefusedAsync(function, "WAREHOUSE", "duckdb");

    [Theory]
    [MemberData(nameof(Functions))]
    public Task RelativeDuckDbPath_StopsStartUpWithOneLineInsteadOfWritingUnderTheFunctionsFolder(string function) =>
        AssertRefusedAsync(function, "DUCKDB_PATH", ".data/warehouse.duckdb");

    private static async Task AssertRefusedAsync(string function, string variable, string value)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, function + ".dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment[variable] = value;
        start.Environment["PORT"] = "0"; // were it to start after all, on a port Kestrel picks free
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(1, process.ExitCode);
        var line = Assert.Single((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains($"cannot start: {variable}={value}", line);
        Assert.Contains("BigQuery only", line);
        Assert.Contains("BIGQUERY_EMULATOR_HOST", line);
        Assert.Contains("dotnet run --project local", line);
        Assert.Equal("", (await stdout).Trim());
    }
}

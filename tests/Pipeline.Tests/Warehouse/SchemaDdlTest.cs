using Pipeline.Domain;
using Pipeline.Domain.Schema;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Warehouse;

/// <summary>
/// <c>deploy/bigquery.sql</c> is generated from <see cref="WarehouseSchema"/>: regenerated here, it must equal the
/// committed file. With <c>PIPELINE_WRITE_DDL=1</c> the test writes the file instead (<see cref="BigQueryDdl.RegenerateCommand"/>).
/// </summary>
public sealed class SchemaDdlTest
{
    [Fact]
    public void DeployBigQuerySql_IsTheDeclarationsDdl()
    {
        var expected = BigQueryDdl.Generate();
        var path = Repository.PathOf(BigQueryDdl.Path);
        if (Environment.GetEnvironmentVariable(BigQueryDdl.WriteVariable) == "1")
        {
            File.WriteAllText(path, expected);
        }
        var actual = File.Exists(path) ? File.ReadAllText(path) : "";

        Assert.True(expected == actual,
            $"{BigQueryDdl.Path} differs from what src/Domain/Schema/WarehouseSchema.cs declares; regenerate it with\n" +
            $"  {BigQueryDdl.RegenerateCommand}\n(- committed, + declared):\n{LineDiff(actual, expected)}");
    }

    /// <summary>A line diff (longest common subsequence): the lines only in one text, with their line numbers.</summary>
    internal static string LineDiff(string before, string after)
    {
        var a = before.Split('\n');
        var b = after.Split('\n');
        var common = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                common[i, j] = a[i] == b[j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);
            }
        }
        var lines = new List<string>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                x++;
                y++;
            }
            else if (y == b.Length || (x < a.Length && common[x + 1, y] >= common[x, y + 1]))
            {
                lines.Add($"{x + 1,4} - {a[x++]}");
            }
            else
            {
                lines.Add($"{y + 1,4} + {b[y++]}");
            }
        }
        return string.Join('\n', lines);
    }
}

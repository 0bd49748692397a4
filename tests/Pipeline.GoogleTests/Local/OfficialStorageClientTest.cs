using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Local;

/// <summary>
/// Google's official Node.js client, <c>@google-cloud/storage</c> 7.22.0 (tests/emulators, pinned by its lock file),
/// against the stack on a loopback socket, configured only through <c>STORAGE_EMULATOR_HOST</c>.
/// </summary>
public sealed class OfficialStorageClientTest
{
    [Fact]
    public async Task NodeClient_ThroughStorageEmulatorHostOnly_UploadsListsAndReadsBack_AndItsDumpsReachUserContent()
    {
        await using var stack = await LocalStackHost.StartAsync(onSocket: true);
        var files = Directory.CreateDirectory(Path.Combine(stack.Options.DataDir, "client-files")).FullName;
        var content = Path.Combine(files, "meta.csv");
        var interactions = Path.Combine(files, "reads.csv");
        await File.WriteAllTextAsync(content, "content_id,category_name\n12,romance\n13,drama\n");
        await File.WriteAllTextAsync(interactions, InteractionDump());

        var (exitCode, stdout, stderr) = await OfficialClients.RunAsync("storage-client.mjs", "STORAGE_EMULATOR_HOST",
            stack.Root.GetLeftPart(UriPartial.Authority), "local-bucket", content, interactions);

        Assert.True(exitCode == 0, $"node exited {exitCode}.\nstderr:\n{stderr}\nstdout:\n{stdout}");
        var seen = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.True(seen.GetProperty("bucketExists").GetBoolean(), stdout);
        Assert.Equal(["local-bucket"], seen.GetProperty("buckets").EnumerateArray().Select(b => b.GetString()));
        Assert.Equal(["user_interaction/client-reads.csv"], seen.GetProperty("listed").EnumerateArray().Select(n => n.GetString()));
        Assert.True(seen.GetProperty("downloadMatches").GetBoolean(), stdout);
        Assert.Equal("user_id", seen.GetProperty("head").GetString());
        Assert.False(seen.GetProperty("missingExists").GetBoolean(), stdout);
        Assert.Equal(new FileInfo(interactions).Length.ToString(CultureInfo.InvariantCulture), seen.GetProperty("interaction").GetProperty("size").GetString());

        // Each upload is one load, of the generation the client was answered.
        var loads = await LocalLoads.WaitForAsync(stack.Client, count: 2);
        Assert.Equal(2, loads.Count);
        Assert.All(loads, load => Assert.Equal("loaded", load.GetProperty("status").GetString()));
        Assert.Equal(seen.GetProperty("content").GetProperty("generation").GetString(),
            LocalLoads.Of(loads, "content_meta/client-meta.csv").GetProperty("generation").GetString());
        Assert.Equal(seen.GetProperty("interaction").GetProperty("generation").GetString(),
            LocalLoads.Of(loads, "user_interaction/client-reads.csv").GetProperty("generation").GetString());
        var shares = await stack.Client.GetFromJsonAsync<Dictionary<string, double>>("/user_content/?user_id=65045&query_date=2022-03-27");
        Assert.Equal(new Dictionary<string, double> { ["romance"] = 0.5, ["drama"] = 0.5 }, shares);
    }

    /// <summary>The featured reader's two reads, then enough other readers' rows for the dump to span several 256 KiB chunks.</summary>
    private static string InteractionDump()
    {
        var dump = new StringBuilder("user_id,pratilipi_id,read_percent,updated_at\n65045,12,95,2022-03-27 10:00:00\n65045,13,99,2022-03-20\n");
        for (var i = 0; dump.Length < 600 * 1024; i++)
        {
            dump.Append(CultureInfo.InvariantCulture, $"{100000 + i},{i % 50},{i % 101},2022-03-{1 + i % 27:00}\n");
        }
        return dump.ToString();
    }
}

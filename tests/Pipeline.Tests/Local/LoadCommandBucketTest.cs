using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Domain.Rows;
using Pipeline.Local.Bucket;
using Pipeline.Local.Commands;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Local;

/// <summary><c>load</c> and a drop into the bucket are one object namespace: a dump loaded either way is one object, loaded once.</summary>
public sealed class LoadCommandBucketTest : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "pipeline-tests", Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task LoadTwiceThenDropTheSameFile_IsOneObjectLoadedOnce()
    {
        var dataDir = Path.Combine(_root, "data");
        var dump = Path.Combine(_root, "a.csv");
        Directory.CreateDirectory(_root);
        await File.WriteAllTextAsync(dump, "user_id,content_id,read_percent,updated_at\n7,12,95,2022-03-27\n8,12,50,2022-03-27\n");
        var request = new LoadRequest(new FileInfo(dump), RecordKind.Interaction, dataDir, MaxBadRows: 1000);

        Assert.Equal(0, await LoadCommand.RunAsync(request, CancellationToken.None));
        Assert.Equal(0, await LoadCommand.RunAsync(request, CancellationToken.None));
        // The user then drops the same file into the bucket too (a copy: a new modification time, the same bytes).
        var dropped = Path.Combine(dataDir, "bucket", "user_interaction", "a.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(dropped)!);
        File.Copy(dump, dropped, overwrite: true);
        File.SetLastWriteTimeUtc(dropped, DateTime.UtcNow.AddMinutes(1));
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var stack = await LocalStackHost.StartAsync(services => services.AddSingleton<TimeProvider>(clock), dataDir: dataDir);
        for (var i = 0; i < 4; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await stack.Services.GetRequiredService<LocalBucketWatcher>().PollAsync(CancellationToken.None);
        }
        var loads = (await stack.Client.GetFromJsonAsync<List<JsonElement>>("/local/loads"))!;

        Assert.All(loads, l => Assert.Equal("gs://local-bucket/user_interaction/a.csv", l.GetProperty("object").GetString()));
        Assert.Equal(["loaded", "skipped"], loads.Select(l => l.GetProperty("status").GetString()));
        Assert.Single(loads.Select(l => l.GetProperty("generation").GetString()).Distinct());
        Assert.Equal(2, (await stack.InteractionsAsync()).Count);
    }

    [Fact]
    public async Task LoadOfAFileNamedNoDump_IsRefusedAndLeavesTheBucketAlone()
    {
        var dataDir = Path.Combine(_root, "data");
        var dump = Path.Combine(_root, "dump.txt");
        Directory.CreateDirectory(_root);
        await File.WriteAllTextAsync(dump, "user_id,content_id,read_percent,updated_at\n7,12,95,2022-03-27\n");

        var code = await LoadCommand.RunAsync(new LoadRequest(new FileInfo(dump), RecordKind.Interaction, dataDir, MaxBadRows: 1000), CancellationToken.None);

        Assert.Equal(LocalCommandLine.UsageError, code);
        Assert.False(File.Exists(Path.Combine(dataDir, "bucket", "user_interaction", "dump.txt")));
    }
}

using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Local;

/// <summary><c>/local/loads</c> is written as every <c>/local/*</c> answer is (InspectionJson): times in RFC 3339 with Z.</summary>
public sealed class LoadsJsonTest
{
    [Fact]
    public async Task LoadTimes_AreRfc3339InUtc()
    {
        await using var stack = await LocalStackHost.StartAsync(prepare: options =>
        {
            Directory.CreateDirectory(Path.Combine(options.BucketDir, "user_interaction"));
            File.WriteAllText(Path.Combine(options.BucketDir, "user_interaction", "a.csv"),
                "user_id,pratilipi_id,read_percent,updated_at\n65045,12345,92,2022-03-27 10:00:00\n");
        });

        var load = LocalLoads.Of(await LocalLoads.WaitForAsync(stack.Client, 1), "user_interaction/a.csv");

        foreach (var time in new[] { "started_at", "finished_at" })
        {
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$", load.GetProperty(time).GetString());
        }
    }
}

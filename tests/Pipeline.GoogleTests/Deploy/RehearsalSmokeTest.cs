using Xunit.Abstractions;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Deploy;

public sealed class RehearsalSmokeTest(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task Smoke()
    {
        GoogleCloudSdk.RequireSdk();
        await using var rehearsal = await DeployRehearsal.StartAsync(CancellationToken.None);
        var steps = (Environment.GetEnvironmentVariable("SMOKE_STEPS") ?? "setup").Split(',');
        var runs = await rehearsal.RunStepsAsync("build-1", null, steps, CancellationToken.None);
        foreach (var run in runs)
        {
            output.WriteLine(run.ToString());
        }
        foreach (var call in rehearsal.Fake.Calls)
        {
            output.WriteLine(call + (call.Error is null ? "" : " ERR " + call.Error));
        }
        output.WriteLine("escapes: " + string.Join(", ", rehearsal.Fake.Escapes));
    }
}

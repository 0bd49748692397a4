using Pipeline.Local;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Local;

/// <summary>The README's Node.js publisher, as a user copies it, run with Google's official client against the stack.</summary>
public sealed class ReadmeNodePublisherTest
{
    [Fact]
    public async Task ReadmeNodePublisher_PublishingTheSeedRecord_PrintsItsIdOnceTheRowIsStored()
    {
        var snippet = Assert.Single(ReadmeSnippets.Blocks("js"));
        await using var stack = await LocalStackHost.StartOnLoopbackAsync();
        // The test stacks play project "demo"; the README's publisher names the stack's default project.
        Assert.Contains($"'{LocalOptions.DefaultProject}'", snippet);
        var script = Repository.PathOf(Path.Combine("tests", "emulators", $".readme-publisher-{Guid.NewGuid():N}.mjs"));
        await File.WriteAllTextAsync(script, snippet.Replace(LocalOptions.DefaultProject, LocalStackHost.Project));
        try
        {
            var run = await OfficialClients.RunAsync(script, "PUBSUB_EMULATOR_HOST", stack.PubSubEmulatorHost);

            Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}; stderr:\n{run.Stderr}");
            var row = Assert.Single(await stack.QueryAsync("SELECT event_id, user_id, read_percent FROM user_interaction"));
            Assert.Equal(run.Stdout.Trim(), row[0]);
            Assert.Equal(65045L, row[1]);
        }
        finally
        {
            File.Delete(script);
        }
    }
}

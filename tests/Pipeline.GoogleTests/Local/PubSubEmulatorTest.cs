using System.Net.Http.Json;
using System.Text.Json;
using Pipeline.Local.PubSub;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Local;

/// <summary>
/// The Pub/Sub emulator API as Google's official Node.js client sees it, configured by PUBSUB_EMULATOR_HOST alone,
/// against the stack on real loopback sockets.
/// </summary>
public sealed class PubSubEmulatorTest : IAsyncDisposable
{
    private LocalStackHost? _stack;

    public async ValueTask DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
    }

    [Fact]
    public async Task OfficialClient_PublishingTheSeedRecords_ReachesTheUserContentAnswer()
    {
        _stack = await LocalStackHost.StartOnLoopbackAsync();
        var port = _stack.Services.GetRequiredService<PubSubListener>().Port;

        // localhost, as the README says: the client finds 127.0.0.1 even where localhost resolves to ::1 first.
        var run = await OfficialPubSubClient.RunAsync($"localhost:{port}", "publish", LocalStackHost.Project,
            "user-interaction", Messages.SeedInteraction, "content-meta", Messages.SeedContent);

        var ids = run["ids"].EnumerateArray().Select(id => id.GetString()!).ToList();
        Assert.True(ids.Count == 2 && ids.Distinct().Count() == 2, $"ids {run.Result}; stderr:\n{run.Stderr}");
        // Publish answered once the rows were stored: they are there, under the ids the client was given.
        Assert.Equal([ids[0], 65045L], Assert.Single(await _stack.QueryAsync("SELECT event_id, user_id FROM user_interaction")));
        Assert.Equal([ids[1], "test_cat2"], Assert.Single(await _stack.QueryAsync("SELECT event_id, category_name FROM content_meta")));
        var shares = await _stack.Client.GetFromJsonAsync<Dictionary<string, double>>("/user_content/?user_id=65045&query_date=2022-03-27");
        Assert.Equal(new Dictionary<string, double> { ["test_cat2"] = 1.0 }, shares);
    }

    [Fact]
    public async Task OfficialClient_ManagingTopics_CreatesGetsListsAndDeletesAndDropsWhatNobodyReceives()
    {
        _stack = await LocalStackHost.StartOnLoopbackAsync();

        var run = await OfficialPubSubClient.RunAsync(_stack.PubSubEmulatorHost, "topics", "demo", "scratch-topic");

        string[] names = ["projects/demo/topics/content-meta", "projects/demo/topics/scratch-topic", "projects/demo/topics/user-interaction"];
        var context = $"{run.Result}\nstderr:\n{run.Stderr}";
        Assert.True(Ok(run["create"]) == "projects/demo/topics/scratch-topic", context);
        Assert.True(Code(run["createAgain"]) == 6 && Code(run["createProduct"]) == 6, $"ALREADY_EXISTS expected: {context}");
        Assert.True(Ok(run["get"]) == "projects/demo/topics/scratch-topic" && Ok(run["getProduct"]) == "projects/demo/topics/content-meta", context);
        Assert.Equal(names, run["list"].GetProperty("ok").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal(names, run["listByOne"].GetProperty("ok").EnumerateArray().Select(n => n.GetString()));
        Assert.True(run["delete"].TryGetProperty("ok", out _) && Code(run["getDeleted"]) == 5, $"deleted, then NOT_FOUND expected: {context}");
        Assert.True(Code(run["deleteProduct"]) == 9, $"FAILED_PRECONDITION expected: {context}");
        // Published to a topic nobody receives: given an id, then dropped as Pub/Sub drops it, not kept.
        Assert.False(string.IsNullOrEmpty(Ok(run["publish"])), context);
        Assert.Empty(await _stack.Services.GetRequiredService<UndeliveredMessageStore>().ListAsync(default));
    }

    [Fact]
    public async Task OfficialClient_CallsTheStackRefuses_GetTheDocumentedStatuses()
    {
        _stack = await LocalStackHost.StartOnLoopbackAsync();

        var run = await OfficialPubSubClient.RunAsync(_stack.PubSubEmulatorHost, "refusals", "demo");

        var context = $"{run.Result}\nstderr:\n{run.Stderr}";
        Assert.True(Code(run["publishUnknownTopic"]) == 5, $"NOT_FOUND expected: {context}");
        Assert.True(Code(run["publishMalformedName"]) == 3, $"INVALID_ARGUMENT expected: {context}");
        Assert.True(Code(run["listTopicSubscriptions"]) == 12 && Code(run["createSubscription"]) == 12, $"UNIMPLEMENTED expected: {context}");
        Assert.Equal("Method not found: /google.pubsub.v1.Subscriber/CreateSubscription", run["createSubscription"].GetProperty("details").GetString());
        Assert.Empty(await _stack.QueryAsync("SELECT * FROM user_interaction"));
    }

    private static string? Ok(JsonElement outcome) => outcome.TryGetProperty("ok", out var ok) ? ok.ToString() : null;

    private static int? Code(JsonElement outcome) => outcome.TryGetProperty("code", out var code) ? code.GetInt32() : null;
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Domain;
using Pipeline.Local;
using Pipeline.Local.PubSub;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Local;

public sealed class LocalStackTest : IAsyncDisposable
{
    private LocalStackHost? _stack;

    private async Task<HttpClient> StartAsync(Action<IServiceCollection>? overrides = null, Action<LocalOptions>? prepare = null)
    {
        _stack = await LocalStackHost.StartAsync(services =>
        {
            services.AddSingleton(new DeliveryOptions { MaxAttempts = 3, Backoff = new(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(2)) });
            overrides?.Invoke(services);
        }, prepare);
        return _stack.Client;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
    }

    [Fact]
    public async Task PublishingTheSeedSamples_ReturnsIdsAndStoresOneRowInEachTable()
    {
        var client = await StartAsync();

        var interaction = await PublishAsync(client, "user-interaction", Messages.SeedInteraction);
        var content = await PublishAsync(client, "content-meta", Messages.SeedContent);

        Assert.Equal(HttpStatusCode.OK, interaction.StatusCode);
        Assert.Equal(HttpStatusCode.OK, content.StatusCode);
        var ids = (await interaction.Content.ReadFromJsonAsync<PublishResponse>())!.MessageIds;
        var stored = Assert.Single(await _stack!.InteractionsAsync()).Row;
        Assert.Equal((ids[0], 65045L), (stored.EventId, stored.UserId));
        Assert.Single(await QueryAsync("SELECT * FROM content_meta WHERE category_name = 'test_cat2'"));
    }

    [Fact]
    public async Task PublishingSeveralMessages_ReturnsDistinctIdsInOrder()
    {
        var client = await StartAsync();
        var messages = Enumerable.Range(1, 20)
            .Select(i => new { data = Base64($$"""{"user_id":{{i}},"content_id":1,"read_percent":95,"updated_at":"2022-03-27"}""") });

        var response = await client.PostAsJsonAsync("/v1/projects/demo/topics/user-interaction:publish", new { messages });

        var ids = (await response.Content.ReadFromJsonAsync<PublishResponse>())!.MessageIds;
        Assert.Equal(20, ids.Distinct().Count());
        var stored = (await _stack!.InteractionsAsync()).OrderBy(i => i.Row.UserId).Select(i => i.Row.EventId);
        Assert.Equal(ids, stored);
    }

    [Fact]
    public async Task UnknownTopic_Answers404InPubSubErrorShape()
    {
        var client = await StartAsync();

        var response = await PublishAsync(client, "nope", Messages.SeedContent);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("NOT_FOUND", error.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("""{"messages":[{"data":"###"}]}""")]
    [InlineData("""{"messages":[]}""")]
    [InlineData("""{"messages":[{}]}""")]
    [InlineData("""{"messages":[{"attributes":{"a":null}}]}""")]
    [InlineData("""{not json""")]
    public async Task InvalidPublishRequest_Answers400(string body)
    {
        var client = await StartAsync();

        var response = await client.PostAsync("/v1/projects/demo/topics/user-interaction:publish", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("[]", "at $ ")]
    [InlineData("""{not json""", "not valid JSON")]
    [InlineData("""{"messages":"x"}""", "at $.messages ")]
    [InlineData("""{"messages":[{"data":5}]}""", "at $.messages[0].data ")]
    [InlineData("""{"messages":[{"attributes":{"a":1}}]}""", "at $.messages[0].attributes.a ")]
    public async Task MalformedPublishBody_Answers400InTheRequestsTermsNotTheStacksTypes(string body, string named)
    {
        var client = await StartAsync();

        var response = await client.PostAsync("/v1/projects/demo/topics/user-interaction:publish", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains(named, message);
        foreach (var internalName in new[] { "Pipeline.", "System.", "PublishRequest", "PublishedMessage", "Dictionary" })
        {
            Assert.DoesNotContain(internalName, message);
        }
    }

    [Fact]
    public async Task PublishBodyThatIsNotJson_Answers400()
    {
        var client = await StartAsync();

        var response = await client.PostAsync("/v1/projects/demo/topics/user-interaction:publish", new StringContent("messages=1", Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID_ARGUMENT", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("status").GetString());
    }

    [Fact]
    public async Task FunctionThatNeverAcknowledges_IsRetriedAndTheMessageKept()
    {
        var failing = new FailingWarehouse();
        // Back-offs of a minute and more, on the stack's clock, which the test moves instead of waiting for it.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = await StartAsync(services => services.AddSingleton<IWarehouse>(failing).AddSingleton<TimeProvider>(clock)
            .AddSingleton(new DeliveryOptions { MaxAttempts = 3, Backoff = new(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2)) }));

        var publishing = PublishAsync(client, "user-interaction", Messages.SeedInteraction);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!publishing.IsCompleted && DateTime.UtcNow < deadline)
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            await Task.WhenAny(publishing, Task.Delay(20));
        }
        var response = await publishing;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, failing.Attempts);
        var kept = await _stack!.Services.GetRequiredService<UndeliveredMessageStore>().ListAsync(default);
        var message = Assert.Single(kept);
        Assert.Equal(Messages.SeedInteraction, Encoding.UTF8.GetString(Convert.FromBase64String(message.Data!)));
        Assert.Equal(500, message.LastStatus);
        var health = await client.GetFromJsonAsync<JsonElement>("/healthz");
        Assert.Equal(1, health.GetProperty("deadLetteredMessages").GetInt32());
    }

    [Fact]
    public async Task RawFunctionEndpoint_TakesTheProductionCloudEvent()
    {
        var client = await StartAsync();

        var response = await client.SendAsync(Messages.PubSub(Messages.SeedContent, "raw-1", "content-meta").ToHttpRequestMessage("/functions/IngestContent"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(await QueryAsync("SELECT * FROM content_meta WHERE event_id = 'raw-1'"));
    }

    private static Task<HttpResponseMessage> PublishAsync(HttpClient client, string topic, string record) =>
        client.PostAsJsonAsync($"/v1/projects/demo/topics/{topic}:publish", new { messages = new[] { new { data = Base64(record) } } });

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private Task<IReadOnlyList<object?[]>> QueryAsync(string sql) => _stack!.QueryAsync(sql);

    [Fact]
    public async Task Health_ReportsTheWarehouse()
    {
        var client = await StartAsync();

        var health = await client.GetFromJsonAsync<JsonElement>("/healthz");

        Assert.Equal("ok", health.GetProperty("warehouse").GetString());
    }

    [Fact]
    public async Task Health_WhenTheWarehouseCannotOpen_Answers503()
    {
        // A directory where the database file should be: DuckDB cannot open it.
        var client = await StartAsync(prepare: options => Directory.CreateDirectory(options.DatabasePath));

        var response = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("unavailable", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
    }
}

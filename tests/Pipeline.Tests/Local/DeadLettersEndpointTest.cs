using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Local;

/// <summary>Rejected records can be seen locally: <c>/local/errors</c>, and <c>/healthz</c> counts them.</summary>
public sealed class DeadLettersEndpointTest : IAsyncLifetime
{
    private LocalStackHost _stack = null!;

    public async Task InitializeAsync()
    {
        _stack = await LocalStackHost.StartAsync();
        var bad = """{"user_id": 65045, "content_id": 12345, "read_percent": 250, "updated_at": "2022-03-27"}""";
        var body = JsonSerializer.Serialize(new { messages = new[] { new { data = Convert.ToBase64String(Encoding.UTF8.GetBytes(bad)) } } });
        using var response = await _stack.Client.PostAsync("/v1/projects/demo/topics/user-interaction:publish",
            new StringContent(body, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task RejectedRecord_IsListedWithItsPayloadAndReason()
    {
        var errors = await _stack.Client.GetFromJsonAsync<JsonElement>("/local/errors?source=IngestInteraction");

        var error = Assert.Single(errors.EnumerateArray());
        Assert.Equal("IngestInteraction", error.GetProperty("source").GetString());
        Assert.Equal(250, error.GetProperty("payload").GetProperty("read_percent").GetInt32());
        Assert.Equal("read_percent: must be between 0 and 100, got 250", error.GetProperty("error").GetString());
        Assert.True(error.TryGetProperty("received_at", out _));
    }

    [Fact]
    public async Task ErrorsJson_HasNoNeedlessEscapesAndShowsAJsonPayloadAsJson()
    {
        await PublishAsync("""{"user_id": "O'Brien ≥ 1", "content_id": 12345, "read_percent": 92, "updated_at": "2022-03-27"}""");

        var text = await _stack.Client.GetStringAsync("/local/errors?source=IngestInteraction");

        Assert.DoesNotContain("\\u", text);
        Assert.Contains("O'Brien ≥ 1", text);
        var payloads = JsonDocument.Parse(text).RootElement.EnumerateArray().Select(e => e.GetProperty("payload")).ToList();
        Assert.All(payloads, p => Assert.Equal(JsonValueKind.Object, p.ValueKind));
    }

    [Fact]
    public async Task NotJsonPayload_IsShownAsItsText()
    {
        using var response = await _stack.Client.PostAsync("/v1/projects/demo/topics/user-interaction:publish", new StringContent(
            JsonSerializer.Serialize(new { messages = new[] { new { data = Convert.ToBase64String(Encoding.UTF8.GetBytes("{not json")) } } }),
            Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();

        var errors = await _stack.Client.GetFromJsonAsync<JsonElement>("/local/errors?source=IngestInteraction");

        Assert.Contains(errors.EnumerateArray(), e => e.GetProperty("payload").ValueKind == JsonValueKind.String
            && e.GetProperty("payload").GetString() == "{not json");
    }

    [Fact]
    public async Task ErrorTimes_AreRfc3339InUtc()
    {
        var errors = await _stack.Client.GetStringAsync("/local/errors");

        var receivedAt = JsonDocument.Parse(errors).RootElement[0].GetProperty("received_at").GetString()!;
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$", receivedAt);
    }

    [Fact]
    public async Task UnknownSource_Answers400NamingTheValidSources()
    {
        using var response = await _stack.Client.GetAsync("/local/errors?source=IngestInteractions");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("source: must be one of IngestInteraction, IngestContent, BackfillCsv, got 'IngestInteractions'",
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    private async Task PublishAsync(string record)
    {
        var body = JsonSerializer.Serialize(new { messages = new[] { new { data = Convert.ToBase64String(Encoding.UTF8.GetBytes(record)) } } });
        using var response = await _stack.Client.PostAsync("/v1/projects/demo/topics/user-interaction:publish",
            new StringContent(body, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    [Theory]
    [InlineData("/local/errors?source=IngestContent")]
    [InlineData("/local/errors?since=2999-01-01")]
    [InlineData("/local/errors?until=2000-01-01T00:00:00Z")]
    public async Task Filters_LeaveOutWhatDoesNotMatch(string url) =>
        Assert.Empty((await _stack.Client.GetFromJsonAsync<JsonElement>(url)).EnumerateArray());

    [Theory]
    [InlineData("/local/errors?limit=0", "limit")]
    [InlineData("/local/errors?limit=ten", "limit")]
    [InlineData("/local/errors?since=yesterday", "since")]
    public async Task BadParameter_Answers400NamingIt(string url, string parameter)
    {
        using var response = await _stack.Client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith(parameter + ":", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Health_CountsTheRejectedRecords()
    {
        var health = await _stack.Client.GetFromJsonAsync<JsonElement>("/healthz");

        Assert.Equal(1, health.GetProperty("deadLetteredRecords").GetInt64());
        Assert.Equal(0, health.GetProperty("deadLetteredMessages").GetInt32());
    }
}

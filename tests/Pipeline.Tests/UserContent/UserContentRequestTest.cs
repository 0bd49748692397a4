using System.Net;
using System.Text.Json;
using Pipeline.Domain;
using Pipeline.Functions.Testing;
using Pipeline.Functions.UserContent;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.UserContent;

public sealed class UserContentRequestTest : IAsyncLifetime
{
    private readonly TempWarehouse _store = new();
    private FunctionTestServer<UserContentFunction> _server = null!;

    public async Task InitializeAsync() =>
        _server = await FunctionTestServer<UserContentFunction>.StartAsync(services => services.AddSingleton<IWarehouse>(_store.Warehouse));

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _store.DisposeAsync();
    }

    [Theory]
    [InlineData("?query_date=2022-03-27", "user_id: missing")]
    [InlineData("?user_id=&query_date=2022-03-27", "user_id: missing")]
    [InlineData("?user_id=abc&query_date=2022-03-27", "user_id: must be an integer ≥ 0, got 'abc'")]
    [InlineData("?user_id=1.5&query_date=2022-03-27", "user_id: must be an integer ≥ 0, got '1.5'")]
    [InlineData("?user_id=1%20OR%201=1&query_date=2022-03-27", "user_id: must be an integer ≥ 0, got '1 OR 1=1'")]
    [InlineData("?user_id=-5&query_date=2022-03-27", "user_id: must be ≥ 0, got '-5'")]
    [InlineData("?user_id=9223372036854775808&query_date=2022-03-27", "user_id: '9223372036854775808' does not fit in a 64-bit integer")]
    [InlineData("?user_id=1&user_id=2&query_date=2022-03-27", "user_id: given 2 times; give it once")]
    [InlineData("?user_id=65045", "query_date: missing")]
    [InlineData("?user_id=65045&query_date=2022-02-30", "query_date: '2022-02-30' is not a real date")]
    [InlineData("?user_id=65045&query_date=2022-13-01", "query_date: '2022-13-01' is not a real date")]
    [InlineData("?user_id=65045&query_date=27/03/2022", "query_date: must be a date as YYYY-MM-DD, got '27/03/2022'")]
    [InlineData("?user_id=65045&query_date=2022-03-27T00:00:00", "query_date: must be a date as YYYY-MM-DD, got '2022-03-27T00:00:00'")]
    [InlineData("?user_id=65045&query_date='; DROP TABLE user_interaction; --", "query_date: must be a date as YYYY-MM-DD, got ''; DROP TABLE user_interaction; --'")]
    [InlineData("?user_id=65045&query_date=0001-01-02", "query_date: must be on or after 0001-01-15")]
    public async Task BadInput_Answers400NamingTheParameter(string query, string error)
    {
        using var client = _server.CreateClient();

        var response = await client.GetAsync("/user_content/" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(error, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task OtherMethods_Answer405WithAllow(string method)
    {
        using var client = _server.CreateClient();

        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), "/user_content/?user_id=1&query_date=2022-03-27"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("GET, HEAD", string.Join(", ", response.Content.Headers.Allow));
    }

    [Theory]
    [InlineData("/user_content/?user_id=65045&query_date=2022-03-27")]
    [InlineData("/user_content?user_id=65045&query_date=2022-03-27")]
    public async Task NoMatchingReads_Answers200WithEmptyObject(string path)
    {
        using var client = _server.CreateClient();

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Head_Answers200WithoutBody()
    {
        using var client = _server.CreateClient();

        var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/user_content/?user_id=1&query_date=2022-03-27"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task WarehouseDown_Answers503WithError()
    {
        await using var server = await FunctionTestServer<UserContentFunction>.StartAsync(services => services.AddSingleton<IWarehouse>(new FailingWarehouse()));
        using var client = server.CreateClient();

        var response = await client.GetAsync("/user_content/?user_id=1&query_date=2022-03-27");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("warehouse", await response.Content.ReadAsStringAsync());
    }
}

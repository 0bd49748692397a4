using System.Net;
using System.Text;
using Pipeline.Domain;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Parsing;
using Pipeline.Domain.Rows;
using Pipeline.Functions.IngestInteraction;
using Pipeline.Functions.Testing;
using Pipeline.Functions.UserContent;
using Pipeline.Ingestion;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Reliability;

/// <summary>Every limit answers with a clear error, and what it refuses is kept.</summary>
public sealed class LimitsTest
{
    private readonly MemoryWarehouse _warehouse = new();

    private Task<FunctionTestServer<IngestInteractionFunction>> IngestAsync() =>
        FunctionTestServer<IngestInteractionFunction>.StartAsync(s => s.AddPubSubIngestion().AddSingleton<IWarehouse>(_warehouse));

    [Fact]
    public async Task BodyOverTheLimit_Answers413()
    {
        await using var server = await IngestAsync();
        var request = Messages.PubSub(new byte[13 * 1024 * 1024], "big");

        var response = await server.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(_warehouse.Batches);
    }

    [Fact]
    public async Task JsonDeeperThanTheLimit_IsDeadLetteredWhole()
    {
        await using var server = await IngestAsync();
        var deep = new string('[', 100) + new string(']', 100);

        var response = await server.SendAsync(Messages.PubSub(deep, "deep"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var error = Assert.Single(Assert.Single(_warehouse.Batches).DeadLetters);
        Assert.Equal(deep, error.Payload);
        Assert.Contains("depth", error.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task MoreRecordsThanTheLimit_IsDeadLetteredWhole()
    {
        await using var server = await IngestAsync();
        var body = "[" + string.Join(",", Enumerable.Repeat("""{"user_id":1,"content_id":2,"read_percent":95,"updated_at":"2022-03-27"}""", 10_001)) + "]";

        var response = await server.SendAsync(Messages.PubSub(body, "many"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var batch = Assert.Single(_warehouse.Batches);
        Assert.Empty(batch.Interactions);
        Assert.Equal("message carries more than 10000 records; split it into several messages", Assert.Single(batch.DeadLetters).Error);
    }

    [Fact]
    public void CsvRowOverTheLimit_IsRefusedAndTheOthersRead()
    {
        var csv = "user_id,content_id,read_percent,updated_at\n1,2,95,2022-03-27\n3," + new string('9', CsvRecords.MaxRowChars) + ",95,2022-03-27\n4,5,95,2022-03-27\n";
        var rows = new List<Interaction>();
        var rejected = new List<CsvRejection>();

        CsvRecords.Read(RecordShapes.Interaction, new StringReader(csv), "p:", rows.Add, rejected.Add, default);

        Assert.Equal(["p:2", "p:4"], rows.Select(r => r.EventId));
        var rejection = Assert.Single(rejected);
        Assert.Equal((3, $"row: longer than {CsvRecords.MaxRowChars} characters"), (rejection.Line, rejection.Reason));
    }

    [Fact]
    public async Task QueryStringOverTheLimit_Answers414()
    {
        await using var server = await FunctionTestServer<UserContentFunction>.StartAsync(s => s.AddSingleton<IWarehouse>(_warehouse));
        using var client = server.CreateClient();

        var response = await client.GetAsync("/user_content/?user_id=1&query_date=2022-03-27&pad=" + new string('x', 2100));

        Assert.Equal(HttpStatusCode.RequestUriTooLong, response.StatusCode);
        Assert.Contains("longer than 2048", await response.Content.ReadAsStringAsync());
    }
}

using System.Text.Json;
using Pipeline.Domain.Parsing;
using Pipeline.Domain.Rows;

namespace Pipeline.Tests.Warehouse;

public sealed class InteractionRecordTest
{
    [Fact]
    public void SeedRecord_IsRead()
    {
        var row = Read("""{"user_id": 65045, "content_id": 12345, "read_percent": 92, "updated_at": "2022-03-27"}""");

        Assert.Equal(new Interaction("e", 65045, 12345, 92, new DateTime(2022, 3, 27, 0, 0, 0, DateTimeKind.Utc)), row);
    }

    [Fact]
    public void IdsBeyond2Pow53_AreReadExactly()
    {
        var row = Read("""{"user_id": 6504233704206137123, "content_id": "9007199254740993", "read_percent": 100, "updated_at": "2022-03-27"}""");

        Assert.Equal(6504233704206137123, row.UserId);
        Assert.Equal(9007199254740993, row.ContentId);
    }

    [Fact]
    public void PratilipiId_IsAcceptedForContentId()
    {
        var row = Read("""{"user_id": 1, "pratilipi_id": 777, "read_percent": 50.5, "updated_at": "2022-03-27", "extra": [1]}""");

        Assert.Equal(777, row.ContentId);
        Assert.Equal(50.5, row.ReadPercent);
    }

    [Fact]
    public void NumericStrings_AreAccepted()
    {
        var row = Read("""{"user_id": "65045", "content_id": " 12 ", "read_percent": "90.01", "updated_at": "2022-03-27"}""");

        Assert.Equal((65045L, 12L, 90.01), (row.UserId, row.ContentId, row.ReadPercent));
    }

    [Theory]
    [InlineData("2022-03-27", "2022-03-27T00:00:00.0000000")]
    [InlineData("2022-03-27 10:11:12", "2022-03-27T10:11:12.0000000")]
    [InlineData("2022-03-27 10:11:12.5", "2022-03-27T10:11:12.5000000")]
    [InlineData("2022-03-27 10:11:12.123456", "2022-03-27T10:11:12.1234560")]
    [InlineData("2022-03-27T10:11:12Z", "2022-03-27T10:11:12.0000000")]
    [InlineData("2022-03-27T10:11:12.250Z", "2022-03-27T10:11:12.2500000")]
    [InlineData("2022-03-27T01:30:00+05:30", "2022-03-26T20:00:00.0000000")]
    [InlineData("2022-03-26T22:00:00-03:00", "2022-03-27T01:00:00.0000000")]
    [InlineData("2022-03-27 10:11:12.1234567", "2022-03-27T10:11:12.1234560")]
    public void UpdatedAt_FormsAreNormalisedToUtc(string text, string expectedUtc)
    {
        var row = Read($$"""{"user_id": 1, "content_id": 2, "read_percent": 3, "updated_at": "{{text}}"}""");

        Assert.Equal(DateTimeKind.Utc, row.UpdatedAt.Kind);
        Assert.Equal(expectedUtc, row.UpdatedAt.ToString("O")[..27]);
    }

    [Theory]
    [InlineData("""{"content_id": 2, "read_percent": 3, "updated_at": "2022-03-27"}""", "user_id: missing")]
    [InlineData("""{"user_id": null, "content_id": 2, "read_percent": 3, "updated_at": "2022-03-27"}""", "user_id: missing")]
    [InlineData("""{"user_id": -5, "content_id": 2, "read_percent": 3, "updated_at": "2022-03-27"}""", "user_id: must be ≥ 0, got -5")]
    [InlineData("""{"user_id": 1.5, "content_id": 2, "read_percent": 3, "updated_at": "2022-03-27"}""", "user_id: must be an integer ≥ 0, got 1.5")]
    [InlineData("""{"user_id": "abc", "content_id": 2, "read_percent": 3, "updated_at": "2022-03-27"}""", "user_id: must be an integer ≥ 0, got \"abc\"")]
    [InlineData("""{"user_id": true, "content_id": 2, "read_percent": 3, "updated_at": "2022-03-27"}""", "user_id: must be an integer ≥ 0, got true")]
    [InlineData("""{"user_id": 9223372036854775808, "content_id": 2, "read_percent": 3, "updated_at": "2022-03-27"}""", "user_id: 9223372036854775808 does not fit in a 64-bit integer")]
    [InlineData("""{"user_id": 1, "read_percent": 3, "updated_at": "2022-03-27"}""", "content_id: missing (also looked for pratilipi_id)")]
    [InlineData("""{"user_id": 1, "content_id": 2, "updated_at": "2022-03-27"}""", "read_percent: missing")]
    [InlineData("""{"user_id": 1, "content_id": 2, "read_percent": 250, "updated_at": "2022-03-27"}""", "read_percent: must be between 0 and 100, got 250")]
    [InlineData("""{"user_id": 1, "content_id": 2, "read_percent": -0.1, "updated_at": "2022-03-27"}""", "read_percent: must be between 0 and 100, got -0.1")]
    [InlineData("""{"user_id": 1, "content_id": 2, "read_percent": "NaN", "updated_at": "2022-03-27"}""", "read_percent: must be a number, got \"NaN\"")]
    [InlineData("""{"user_id": 1, "content_id": 2, "read_percent": 3}""", "updated_at: missing")]
    [InlineData("""{"user_id": 1, "content_id": 2, "read_percent": 3, "updated_at": 20220327}""", "updated_at: must be a date or timestamp string, got 20220327")]
    public void InvalidRecord_ReasonNamesTheField(string json, string reason)
    {
        Assert.False(JsonFields.TryRead(RecordShapes.Interaction, JsonDocument.Parse(json).RootElement, "e", out var row, out var error));
        Assert.Null(row);
        Assert.Equal(reason, error);
    }

    [Theory]
    [InlineData("2022-02-30")]
    [InlineData("2022-13-01")]
    [InlineData("2022-03-27 25:00:00")]
    [InlineData("27/03/2022")]
    [InlineData("yesterday")]
    [InlineData("")]
    public void ImpossibleOrUnknownDate_IsRefusedNamingUpdatedAt(string text)
    {
        var json = $$"""{"user_id": 1, "content_id": 2, "read_percent": 3, "updated_at": "{{text}}"}""";

        Assert.False(JsonFields.TryRead(RecordShapes.Interaction, JsonDocument.Parse(json).RootElement, "e", out _, out var error));
        Assert.StartsWith($"updated_at: \"{text}\" is not a valid date or timestamp", error);
    }

    private static Interaction Read(string json)
    {
        Assert.True(JsonFields.TryRead(RecordShapes.Interaction, JsonDocument.Parse(json).RootElement, "e", out var row, out var error), error);
        return row!;
    }
}

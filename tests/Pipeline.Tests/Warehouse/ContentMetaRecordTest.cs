using System.Text.Json;
using Pipeline.Domain.Parsing;

namespace Pipeline.Tests.Warehouse;

public sealed class ContentMetaRecordTest
{
    [Fact]
    public void SeedRecord_IsReadWithoutUpdatedAt()
    {
        Assert.True(JsonFields.TryRead(RecordShapes.ContentMeta, Json("""{"content_id": 12345, "category_name": "test_cat2"}"""), "e", out var row, out _));

        Assert.Equal(12345, row!.ContentId);
        Assert.Equal("test_cat2", row.CategoryName);
        Assert.Null(row.UpdatedAt);
    }

    [Fact]
    public void PratilipiIdAndUpdatedAt_AreRead()
    {
        Assert.True(JsonFields.TryRead(RecordShapes.ContentMeta, Json("""{"pratilipi_id": "5", "category_name": "romance", "updated_at": "2022-01-02T03:04:05Z"}"""), "e", out var row, out _));

        Assert.Equal(5, row!.ContentId);
        Assert.Equal(new DateTime(2022, 1, 2, 3, 4, 5, DateTimeKind.Utc), row.UpdatedAt);
    }

    [Theory]
    [InlineData("""{"category_name": "x"}""", "content_id: missing (also looked for pratilipi_id)")]
    [InlineData("""{"content_id": 1}""", "category_name: missing")]
    [InlineData("""{"content_id": 1, "category_name": ""}""", "category_name: must not be empty")]
    [InlineData("""{"content_id": 1, "category_name": "   "}""", "category_name: must not be empty")]
    [InlineData("""{"content_id": 1, "category_name": 7}""", "category_name: must be a string, got 7")]
    [InlineData("""{"content_id": 1, "category_name": "x", "updated_at": "2022-02-30"}""", "updated_at: \"2022-02-30\" is not a valid date or timestamp (expected YYYY-MM-DD, YYYY-MM-DD HH:MM:SS[.f] or ISO-8601 with Z or an offset)")]
    public void InvalidRecord_ReasonNamesTheField(string json, string reason)
    {
        Assert.False(JsonFields.TryRead(RecordShapes.ContentMeta, Json(json), "e", out _, out var error));
        Assert.Equal(reason, error);
    }

    [Fact]
    public void CategoryName_LongerThan256_IsRefused()
    {
        var json = $$"""{"content_id": 1, "category_name": "{{new string('a', 257)}}"}""";

        Assert.False(JsonFields.TryRead(RecordShapes.ContentMeta, Json(json), "e", out _, out var error));
        Assert.Equal("category_name: longer than 256 characters", error);
        Assert.True(JsonFields.TryRead(RecordShapes.ContentMeta, Json(json.Replace(new string('a', 257), new string('a', 256))), "e", out _, out _));
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;
}

using System.Text;
using Pipeline.Domain.Parsing;
using Pipeline.Ingestion;

namespace Pipeline.Tests.Warehouse;

public sealed class MessageRecordsTest
{
    [Fact]
    public void SingleObject_IsOneRecord()
    {
        var content = Split("""{"a":1}""");

        Assert.True(content.IsDecodable);
        Assert.Equal("""{"a":1}""", Assert.Single(content.Records).RawText);
    }

    [Fact]
    public void Array_IsOneRecordPerElement()
    {
        var content = Split("""[{"a":1},{"a":2},{"a":3}]""");

        Assert.Equal(["""{"a":1}""", """{"a":2}""", """{"a":3}"""], content.Records.Select(r => r.RawText));
    }

    [Fact]
    public void NewlineDelimited_IsOneRecordPerLine()
    {
        var content = Split("{\"a\":1}\n{\"a\":2}\r\n\n{\"a\":3}\n");

        Assert.Equal(3, content.Records.Count);
        Assert.All(content.Records, r => Assert.Null(r.Error));
    }

    [Fact]
    public void PrettyPrintedObject_IsOneRecord()
    {
        var content = Split("{\n  \"a\": 1,\n  \"b\": 2\n}\n");

        Assert.Single(content.Records);
    }

    [Fact]
    public void NewlineDelimitedWithABrokenLine_KeepsGoodLinesAndFlagsTheBadOne()
    {
        var content = Split("{\"a\":1}\n{\"a\":\n{\"a\":3}");

        Assert.True(content.IsDecodable);
        Assert.Equal(3, content.Records.Count);
        Assert.Null(content.Records[0].Error);
        Assert.StartsWith("record: not valid JSON", content.Records[1].Error);
        Assert.Equal("{\"a\":", content.Records[1].RawText);
        Assert.Null(content.Records[2].Error);
    }

    [Fact]
    public void NonObjectElement_IsABadRecord()
    {
        var content = Split("""[{"a":1}, 5, "x"]""");

        Assert.Null(content.Records[0].Error);
        Assert.Equal("record: expected a JSON object, got Number", content.Records[1].Error);
        Assert.Equal("record: expected a JSON object, got String", content.Records[2].Error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  \n ")]
    [InlineData("hello world")]
    [InlineData("{\"a\":1")]
    public void NotJson_IsUndecodable(string body)
    {
        var content = Split(body);

        Assert.False(content.IsDecodable);
        Assert.Empty(content.Records);
    }

    [Fact]
    public void InvalidUtf8_IsUndecodable()
    {
        var content = MessageRecords.Split(new byte[] { 0x7b, 0xff, 0xfe, 0x0a, 0x7d, 0x0a, 0xc3 });

        Assert.False(content.IsDecodable);
    }

    private static MessageContent Split(string body) => MessageRecords.Split(Encoding.UTF8.GetBytes(body));
}

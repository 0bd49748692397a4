using System.Globalization;
using CsCheck;
using Pipeline.Domain.Parsing;

namespace Pipeline.Tests.Warehouse;

public sealed class TimestampsTest
{
    /// <summary>The fast path for dump timestamps must accept and produce exactly what the general parser does.</summary>
    [Fact]
    public void CommonForms_ParseLikeTheGeneralParser()
    {
        Gen.Select(Gen.Int[0, 10000], Gen.Int[0, 13], Gen.Int[0, 32], Gen.Int[0, 25], Gen.Int[0, 60], Gen.Int[0, 60], Gen.Int[0, 2])
            .Select((y, mo, d, h, mi, s, form) => form switch
            {
                0 => $"{y:D4}-{mo:D2}-{d:D2}",
                1 => $"{y:D4}-{mo:D2}-{d:D2} {h:D2}:{mi:D2}:{s:D2}",
                _ => $"{y:D4}-{mo:D2}-{d:D2}T{h:D2}:{mi:D2}:{s:D2}",
            })
            .Sample(text =>
            {
                var expectedOk = DateTime.TryParseExact(text, ["yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss"],
                    CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var expected);

                var ok = Timestamps.TryParseUtc(text, out var actual);

                Assert.Equal(expectedOk, ok);
                if (ok)
                {
                    Assert.Equal(expected, actual);
                    Assert.Equal(DateTimeKind.Utc, actual.Kind);
                }
            }, iter: 20_000);
    }

    [Theory]
    [InlineData("2024-02-29", true)]
    [InlineData("2022-02-29", false)]
    [InlineData("2022-02-30", false)]
    [InlineData("0000-01-01", false)]
    [InlineData("2022-03-27 24:00:00", false)]
    [InlineData("2022-03-27 23:59:60", false)]
    [InlineData("2022-03-27x10:00:00", false)]
    [InlineData(" 2022-03-27 ", true)]
    public void EdgeDates_AreJudgedByTheCalendar(string text, bool valid) =>
        Assert.Equal(valid, Timestamps.TryParseUtc(text, out _));
}

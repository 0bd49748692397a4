using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pipeline.Local.Inspection;

/// <summary>
/// How every <c>/local/*</c> endpoint (<c>/local/loads</c>, <c>/local/errors</c>) writes rows, in one place: the tables'
/// own column names, text as it is (no <c>\u0027</c> for <c>'</c>, no <c>\u2265</c> for <c>≥</c>), and each time
/// in RFC 3339 with <c>Z</c>.
/// </summary>
internal static class InspectionJson
{
    /// <summary>
    /// Web defaults with snake_case names, as the tables' columns are named. The relaxed encoder escapes only what JSON
    /// requires (quotes, backslashes, control characters): these answers are <c>application/json</c> read by people
    /// and programs, never inlined into HTML, which is what the default encoder's extra escapes guard against.
    /// </summary>
    public static JsonSerializerOptions SnakeCase { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new UtcTimeConverter() },
    };

    /// <summary>
    /// The tables hold UTC times; DuckDB hands them back without a kind. Written as RFC 3339 in UTC with <c>Z</c>
    /// (<c>2022-03-27T10:00:00.123456Z</c>), read back the same way.
    /// </summary>
    private sealed class UtcTimeConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTime.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
        {
            var utc = value.Kind switch
            {
                DateTimeKind.Local => value.ToUniversalTime(),
                _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
            };
            writer.WriteStringValue(utc.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
        }
    }
}

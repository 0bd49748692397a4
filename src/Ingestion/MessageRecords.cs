using System.Text;
using System.Text.Json;

namespace Pipeline.Ingestion;

/// <summary>One record found in a message: its JSON (when it parsed) and its raw text for the dead-letter table.</summary>
public readonly record struct RawRecord(JsonElement? Json, string RawText, string? Error);

/// <summary>What a message body holds: its records, or why the whole body cannot be read.</summary>
public sealed record MessageContent(IReadOnlyList<RawRecord> Records, string? UndecodableReason)
{
    /// <summary>True when the body could be read as records; false when it is dead-lettered whole.</summary>
    public bool IsDecodable => UndecodableReason is null;
}

/// <summary>
/// Splits a message body into records. A body is one JSON object, a JSON array of objects, or newline-delimited
/// JSON objects. A line of NDJSON that does not parse is a bad record; a body that is not JSON at all is undecodable.
/// </summary>
public static class MessageRecords
{
    /// <summary>More records than this in one message and the whole message is dead-lettered.</summary>
    public const int MaxRecordsPerMessage = 10_000;

    /// <summary>Deeper JSON than this is not read (System.Text.Json's own default).</summary>
    public const int MaxDepth = 64;

    private static readonly JsonDocumentOptions s_documentOptions = new() { MaxDepth = MaxDepth };

    /// <summary>
    /// The records of a message body, each with its raw text. Undecodable: an empty body, one that is not UTF-8 or
    /// not JSON, or one with more than <see cref="MaxRecordsPerMessage"/> records.
    /// </summary>
    public static MessageContent Split(ReadOnlyMemory<byte> body)
    {
        if (body.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            return new MessageContent([], "message data is empty");
        }
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            // JSON must be UTF-8; the JSON reader does not check the bytes inside strings, so check them all here.
            return new MessageContent([], "message data is not UTF-8 text");
        }
        var records = new List<RawRecord>();
        try
        {
            var reader = new Utf8JsonReader(body.Span, new JsonReaderOptions { AllowMultipleValues = true, MaxDepth = MaxDepth });
            while (reader.Read())
            {
                using var value = JsonDocument.ParseValue(ref reader);
                AddValue(records, value.RootElement);
                if (records.Count > MaxRecordsPerMessage)
                {
                    return TooMany();
                }
            }
            return new MessageContent(records, null);
        }
        catch (JsonException whole)
        {
            return SplitLines(body, whole);
        }
    }

    private static MessageContent TooMany() =>
        new([], $"message carries more than {MaxRecordsPerMessage} records; split it into several messages");

    private static void AddValue(List<RawRecord> records, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                records.Add(ToRecord(item));
            }
        }
        else
        {
            records.Add(ToRecord(value));
        }
    }

    private static RawRecord ToRecord(JsonElement value) =>
        value.ValueKind == JsonValueKind.Object
            ? new RawRecord(value.Clone(), value.GetRawText(), null)
            : new RawRecord(null, value.GetRawText(), $"record: expected a JSON object, got {value.ValueKind}");

    /// <summary>NDJSON with broken lines: keep every good line, dead-letter each bad one.</summary>
    private static MessageContent SplitLines(ReadOnlyMemory<byte> body, JsonException whole)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body.Span);
        }
        catch (DecoderFallbackException)
        {
            return new MessageContent([], "message data is not UTF-8 text");
        }
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length < 2)
        {
            return new MessageContent([], $"message data is not JSON: {whole.Message}");
        }
        if (lines.Length > MaxRecordsPerMessage)
        {
            return TooMany();
        }
        var records = new List<RawRecord>(lines.Length);
        foreach (var line in lines)
        {
            try
            {
                using var document = JsonDocument.Parse(line, s_documentOptions);
                records.Add(ToRecord(document.RootElement));
            }
            catch (JsonException e)
            {
                records.Add(new RawRecord(null, line, $"record: not valid JSON: {e.Message}"));
            }
        }
        return new MessageContent(records, null);
    }
}

using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace Pipeline.Tests.Fixtures;

/// <summary>
/// What the fake BigQuery reads from a load job's uploaded data, as BigQuery does: gzip recognised by its content
/// (load configurations have no compression field), then CSV per RFC 4180 with the configuration's options
/// (<c>fieldDelimiter</c>, <c>quote</c>, <c>allowQuotedNewlines</c>, <c>nullMarker</c>, <c>skipLeadingRows</c>).
/// </summary>
internal static class LoadData
{
    /// <summary>The data as the load reads it: gunzipped when it starts with gzip's magic bytes, then UTF-8.</summary>
    public static string Text(byte[] uploaded)
    {
        if (uploaded is not [0x1f, 0x8b, ..])
        {
            return Encoding.UTF8.GetString(uploaded);
        }
        using var gzip = new GZipStream(new MemoryStream(uploaded), CompressionMode.Decompress);
        using var text = new StreamReader(gzip, Encoding.UTF8);
        return text.ReadToEnd();
    }

    /// <summary>
    /// The records of CSV data; a field is null when it is unquoted and equals the null marker (by default empty).
    /// A quoted line break without <c>allowQuotedNewlines</c>, a stray quote or an unclosed quote fails the record
    /// (<see cref="FormatException"/>, which the load reports as the job's error).
    /// </summary>
    public static IEnumerable<(long Position, List<string?> Fields)> Csv(string data, JsonObject load)
    {
        var delimiter = load["fieldDelimiter"]?.GetValue<string>() ?? ",";
        var quote = load["quote"]?.GetValue<string>() ?? "\"";
        var quotedNewlines = load["allowQuotedNewlines"]?.GetValue<bool>() == true;
        var nullMarker = load["nullMarker"]?.GetValue<string>() ?? "";
        var skip = load["skipLeadingRows"]?.GetValue<int>() ?? 0;
        if (delimiter.Length != 1 || quote.Length > 1)
        {
            throw new NotSupportedException($"FakeBigQuery reads a one-character fieldDelimiter and quote, not '{delimiter}' and '{quote}'.");
        }
        var i = 0;
        var record = 0;
        while (i < data.Length)
        {
            var start = i;
            var fields = new List<string?>();
            while (true)
            {
                var field = new StringBuilder();
                var quoted = quote.Length == 1 && i < data.Length && data[i] == quote[0];
                if (quoted)
                {
                    i++;
                    while (true)
                    {
                        if (i >= data.Length)
                        {
                            throw new FormatException($"Error while reading data: unterminated quoted field in the record at position {start}.");
                        }
                        if (data[i] == quote[0])
                        {
                            if (i + 1 < data.Length && data[i + 1] == quote[0])
                            {
                                field.Append(quote[0]);
                                i += 2;
                                continue;
                            }
                            i++;
                            break;
                        }
                        if (data[i] is '\n' or '\r' && !quotedNewlines)
                        {
                            throw new FormatException($"Error while reading data: a quoted field holds a line break in the record at position {start} (allowQuotedNewlines is false).");
                        }
                        field.Append(data[i++]);
                    }
                }
                else
                {
                    while (i < data.Length && data[i] != delimiter[0] && data[i] is not ('\n' or '\r'))
                    {
                        if (quote.Length == 1 && data[i] == quote[0])
                        {
                            throw new FormatException($"Error while reading data: a quote inside an unquoted field in the record at position {start}.");
                        }
                        field.Append(data[i++]);
                    }
                }
                var text = field.ToString();
                fields.Add(!quoted && text == nullMarker ? null : text);
                if (i < data.Length && data[i] == delimiter[0])
                {
                    i++;
                    continue;
                }
                if (i < data.Length && data[i] is not ('\n' or '\r'))
                {
                    throw new FormatException($"Error while reading data: text after a quoted field in the record at position {start}.");
                }
                break;
            }
            if (i < data.Length && data[i] == '\r')
            {
                i++;
            }
            if (i < data.Length && data[i] == '\n')
            {
                i++;
            }
            if (record++ >= skip && !(fields is [null] && i - start <= 2))
            {
                yield return (start, fields);
            }
        }
    }
}

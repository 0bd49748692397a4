using System.Net;
using System.Text;
using CsCheck;
using Pipeline.Domain;
using Pipeline.Domain.Backfill;
using Pipeline.Domain.Parsing;
using Pipeline.Domain.Rows;
using Pipeline.Functions.IngestInteraction;
using Pipeline.Functions.Testing;
using Pipeline.Functions.UserContent;
using Pipeline.Ingestion;
using Pipeline.Tests.Fixtures;
using Xunit.Abstractions;

namespace Pipeline.Tests.Reliability;

/// <summary>
/// Bad input at volume (10 500 generated cases a run): random bytes, huge and negative numbers, unicode, deep JSON,
/// empty and oversized bodies, broken headers and query strings. Nothing throws, nothing answers 500, and every
/// refused record is kept with a reason.
/// </summary>
public sealed class BadInputPropertyTest(ITestOutputHelper output)
{
    public const int MessageCases = 4000;
    public const int HttpCases = 2000;
    public const int CsvCases = 2500;
    public const int QueryCases = 2000;

    private static readonly string[] s_fieldNames = ["user_id", "content_id", "pratilipi_id", "read_percent", "updated_at", "category_name", "extra"];
    private static readonly Gen<string> s_number = Gen.OneOf(
        Gen.Long.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Double.Select(d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Const("9223372036854775808"), Gen.Const("-0"), Gen.Const("1e400"), Gen.Const("00012"), Gen.Const("1.0"));
    private static readonly Gen<string> s_text = Gen.OneOf(
        Gen.String[Gen.Char.AlphaNumeric, 0, 12], Gen.String[0, 20], Gen.Const("2022-02-30"), Gen.Const("2022-03-27T01:30:00+05:30"),
        Gen.Const("😀🏳️‍🌈"), Gen.Const("\u0000\u001f"), Gen.Const("2022-03-27"), Gen.Const(""));
    private static readonly Gen<string> s_scalar = Gen.OneOf(
        s_number, s_text.Select(t => System.Text.Json.JsonSerializer.Serialize(t)), Gen.Const("true"), Gen.Const("null"), Gen.Const("{}"), Gen.Const("[]"));
    private static readonly Gen<string> s_record =
        Gen.Select(Gen.Int[0, s_fieldNames.Length - 1], s_scalar).Array[0, 6]
            .Select(fields => "{" + string.Join(",", fields.Select(f => $"\"{s_fieldNames[f.Item1]}\":{f.Item2}")) + "}");
    private static readonly Gen<byte[]> s_body = Gen.OneOf(
        Gen.Byte.Array[0, 200],
        s_record.Select(Encoding.UTF8.GetBytes),
        s_record.Array[0, 5].Select(r => Encoding.UTF8.GetBytes("[" + string.Join(",", r) + "]")),
        s_record.Array[0, 5].Select(r => Encoding.UTF8.GetBytes(string.Join("\n", r))),
        Gen.Int[1, 200].Select(depth => Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth))),
        // Valid JSON structure around bytes that are not UTF-8 inside a string: the JSON reader lets them through.
        Gen.Select(s_record, Gen.Byte[0x80, 0xFF].Array[1, 3]).Select((record, bad) =>
            Encoding.UTF8.GetBytes(record.TrimEnd('}') + (record.Length > 2 ? "," : "") + "\"note\":\"").Concat(bad).Concat("\"}"u8.ToArray()).ToArray()),
        Gen.Const("""{"user_id": 65045, "content_id": 12345, "read_percent": 92, "updated_at": "2022-03-27"}"""u8.ToArray()));

    [Fact]
    public void MessageBodies_BecomeRowsOrDeadLettersWithReasons()
    {
        var cases = 0;
        s_body.Sample(body =>
        {
            cases++;
            var batch = MessageIngest.ToBatch(RecordKind.Interaction, "IngestInteraction", "m", body, DateTime.UtcNow);

            Assert.All(batch.DeadLetters, e => Assert.False(string.IsNullOrWhiteSpace(e.Error)));
            Assert.All(batch.DeadLetters, e => Assert.NotNull(e.Payload));
            var content = Pipeline.Ingestion.MessageRecords.Split(body);
            if (content.IsDecodable)
            {
                Assert.Equal(content.Records.Count, batch.Interactions.Count + batch.DeadLetters.Count);
            }
            else
            {
                Assert.Equal(PayloadText.Of(body), Assert.Single(batch.DeadLetters).Payload);
            }
            Assert.Equal(batch.Interactions.Count + batch.DeadLetters.Count, batch.Interactions.Select(r => r.EventId).Concat(batch.DeadLetters.Select(e => e.EventId)).Distinct().Count());
        }, iter: MessageCases, threads: 1);
        output.WriteLine($"message bodies: {cases} cases");
    }

    [Fact]
    public async Task CloudEventRequests_AreAnswered200Or400Or413_Never500()
    {
        var warehouse = new MemoryWarehouse();
        await using var server = await FunctionTestServer<IngestInteractionFunction>.StartAsync(s => s.AddPubSubIngestion().AddSingleton<IWarehouse>(warehouse));
        using var client = server.CreateClient();
        var headerValue = Gen.OneOf(Gen.String[0, 30], Gen.Const("1.0"), Gen.Const("google.cloud.pubsub.topic.v1.messagePublished"), Gen.Const("//pubsub.googleapis.com/x"), Gen.Const("%ZZ"), Gen.Const("\"quoted\""));
        var randomHeaders = Gen.Select(Gen.OneOf(Gen.Const("ce-specversion"), Gen.Const("ce-id"), Gen.Const("ce-type"), Gen.Const("ce-source"), Gen.Const("ce-time"), Gen.Const("ce-subject"), Gen.Const("ce-x")), headerValue).Array[0, 7];
        // Half the requests carry Eventarc's headers, so the bodies are judged too, not only the headers.
        var eventarcHeaders = Gen.String[Gen.Char.AlphaNumeric, 1, 10].Select(id => new[]
        {
            ("ce-specversion", "1.0"), ("ce-id", id), ("ce-type", "google.cloud.pubsub.topic.v1.messagePublished"), ("ce-source", "//pubsub.googleapis.com/projects/p/topics/t"),
        });
        var headers = Gen.OneOf(randomHeaders, eventarcHeaders);
        var contentType = Gen.OneOf(Gen.Const("application/json"), Gen.Const("application/json; charset=utf-8"), Gen.Const("application/cloudevents+json"),
            Gen.Const("application/cloudevents-batch+json"), Gen.Const("text/plain"), Gen.Const("garbage"), Gen.Const(""));
        var envelope = s_body.Select(data => Encoding.UTF8.GetBytes($$"""{"message":{"data":"{{Convert.ToBase64String(data)}}","messageId":"p"},"subscription":"s"}"""));
        var body = Gen.OneOf(s_body, envelope);
        var statuses = new Dictionary<HttpStatusCode, int>();
        await Gen.Select(headers, contentType, body).SampleAsync(async (h, type, content) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new ByteArrayContent(content) };
            if (type.Length > 0)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
            foreach (var (name, value) in h)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
            using var response = await client.SendAsync(request);
            lock (statuses)
            {
                statuses[response.StatusCode] = statuses.GetValueOrDefault(response.StatusCode) + 1;
            }
            Assert.Contains(response.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.BadRequest, HttpStatusCode.RequestEntityTooLarge });
        }, iter: HttpCases, threads: 1);
        output.WriteLine($"CloudEvent requests: {HttpCases} cases, {string.Join(", ", statuses.Select(s => $"{(int)s.Key}: {s.Value}"))}");
        Assert.All(warehouse.Batches.SelectMany(b => b.DeadLetters), e => Assert.False(string.IsNullOrWhiteSpace(e.Error)));
    }

    [Fact]
    public void CsvFiles_BecomeRowsOrRejectionsWithLineNumbers()
    {
        var field = Gen.OneOf(s_number, s_text, s_text.Select(t => "\"" + t.Replace("\"", "\"\"") + "\""), Gen.Const("\"a,b\nc\""), Gen.Const(""));
        var header = Gen.Shuffle(new[] { "user_id", "pratilipi_id", "read_percent", "updated_at", "extra" }).Select(h => h.Take(5).ToArray());
        var rows = field.Array[0, 6].Array[0, 12];
        var files = 0;
        Gen.Select(header, rows, Gen.Bool).Sample((h, r, crlf) =>
        {
            files++;
            var newline = crlf ? "\r\n" : "\n";
            var text = string.Join(",", h) + newline + string.Join(newline, r.Select(cells => string.Join(",", cells)));
            var loaded = new List<Interaction>();
            var rejected = new List<CsvRejection>();
            try
            {
                CsvRecords.Read(RecordShapes.Interaction, new StringReader(text), "p:", loaded.Add, rejected.Add, default);
            }
            catch (CsvFileException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
                return;
            }
            var lines = loaded.Select(l => int.Parse(l.EventId[2..])).Concat(rejected.Select(j => j.Line)).Order().ToList();
            Assert.Equal(lines.Distinct().Count(), lines.Count);
            Assert.All(lines, line => Assert.InRange(line, 2, text.Count(c => c == '\n') + 1));
            Assert.All(rejected, j => Assert.Matches("^[a-z_]+: ", j.Reason));
        }, iter: CsvCases, threads: 1);
        output.WriteLine($"CSV files: {files} cases");
    }

    [Fact]
    public async Task QueryStrings_AreAnswered200Or400Or414_Never500()
    {
        await using var server = await FunctionTestServer<UserContentFunction>.StartAsync(s => s.AddSingleton<IWarehouse>(new MemoryWarehouse()));
        using var client = server.CreateClient();
        var value = Gen.OneOf(s_number, s_text, Gen.String[0, 40], Gen.Const("2022-03-27"), Gen.Const("65045"), Gen.Int[2000, 2100].Select(n => new string('7', n)));
        var parameter = Gen.Select(Gen.OneOf(Gen.Const("user_id"), Gen.Const("query_date"), Gen.String[Gen.Char.AlphaNumeric, 0, 8]), value);
        var plausible = Gen.Select(Gen.Long, Gen.Int[1, 9999], Gen.Int[0, 13], Gen.Int[0, 32])
            .Select((user, y, m, d) => new[] { ("user_id", user.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("query_date", $"{y:D4}-{m:D2}-{d:D2}") });
        var statuses = new Dictionary<HttpStatusCode, int>();
        await Gen.OneOf(parameter.Array[0, 4], plausible).SampleAsync(async parameters =>
        {
            var query = string.Join("&", parameters.Select(p => $"{Uri.EscapeDataString(p.Item1)}={Uri.EscapeDataString(p.Item2)}"));
            using var response = await client.GetAsync("/user_content/?" + query);
            lock (statuses)
            {
                statuses[response.StatusCode] = statuses.GetValueOrDefault(response.StatusCode) + 1;
            }
            Assert.Contains(response.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.BadRequest, HttpStatusCode.RequestUriTooLong });
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Assert.StartsWith("{\"error\":", await response.Content.ReadAsStringAsync());
            }
        }, iter: QueryCases, threads: 1);
        output.WriteLine($"query strings: {QueryCases} cases, {string.Join(", ", statuses.Select(s => $"{(int)s.Key}: {s.Value}"))}");
    }
}

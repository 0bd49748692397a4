using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Local.Bucket;
using Pipeline.Local.Storage;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Local;

/// <summary>The Cloud Storage JSON API the local stack serves over its bucket, driven with plain HTTP.</summary>
public sealed class LocalStorageApiTest : IAsyncDisposable
{
    private const string Objects = "/storage/v1/b/local-bucket/o";
    private const string Uploads = "/upload/storage/v1/b/local-bucket/o";
    private const string Meta = "content_id,category_name\n12,romance\n13,drama\n";
    private const string Reads = "user_id,pratilipi_id,read_percent,updated_at\n65045,12,95,2022-03-27 10:00:00\n65045,13,99,2022-03-20\n";

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private LocalStackHost? _stack;

    private async Task<HttpClient> StartAsync(Action<Pipeline.Local.LocalOptions>? prepare = null)
    {
        _stack = await LocalStackHost.StartAsync(services => services.AddSingleton<TimeProvider>(_clock), prepare);
        return _stack.Client;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
    }

    [Fact]
    public async Task CompletedUploads_AreOneFinalizedEventEach_CarryingTheGenerationTheUploadAnswered()
    {
        var client = await StartAsync();

        var meta = await MultipartUploadAsync(client, "content_meta/meta.csv", Meta);
        var reads = await MediaUploadAsync(client, "user_interaction/reads.csv", Reads);
        var loads = await LocalLoads.WaitForAsync(client, count: 2);
        // More passes of the watcher, and time: nothing is announced again.
        for (var i = 0; i < 4; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            await _stack!.Services.GetRequiredService<LocalBucketWatcher>().PollAsync(CancellationToken.None);
        }
        loads = (await client.GetFromJsonAsync<List<JsonElement>>("/local/loads"))!;

        Assert.Equal(2, loads.Count);
        Assert.All(loads, load => Assert.Equal("loaded", load.GetProperty("status").GetString()));
        Assert.Equal(meta.GetProperty("generation").GetString(), LocalLoads.Of(loads, "content_meta/meta.csv").GetProperty("generation").GetString());
        Assert.Equal(reads.GetProperty("generation").GetString(), LocalLoads.Of(loads, "user_interaction/reads.csv").GetProperty("generation").GetString());
        Assert.Equal("text/csv", meta.GetProperty("contentType").GetString());
        Assert.Equal(Convert.ToBase64String(MD5.HashData(Encoding.UTF8.GetBytes(Reads))), reads.GetProperty("md5Hash").GetString());
        Assert.Equal(Reads.Length.ToString(), reads.GetProperty("size").GetString());
        // The bucket directory holds the user's files and nothing else (no staging or metadata files).
        Assert.Equal(["content_meta/meta.csv", "user_interaction/reads.csv"],
            Directory.EnumerateFiles(_stack!.Options.BucketDir, "*", SearchOption.AllDirectories)
                .Select(p => Path.GetRelativePath(_stack.Options.BucketDir, p).Replace('\\', '/')).Order());
        var shares = await client.GetFromJsonAsync<Dictionary<string, double>>("/user_content/?user_id=65045&query_date=2022-03-27");
        Assert.Equal(new Dictionary<string, double> { ["romance"] = 0.5, ["drama"] = 0.5 }, shares);
    }

    [Fact]
    public async Task ResumableUpload_Answers308WithTheRangeReceived_UntilTheLastChunkCompletesIt()
    {
        var client = await StartAsync();
        var bytes = Encoding.UTF8.GetBytes(Reads);
        var half = bytes.Length / 2;

        using var start = new HttpRequestMessage(HttpMethod.Post, $"{Uploads}?uploadType=resumable&name=user_interaction%2Fresumed.csv")
        {
            Content = new StringContent("""{"contentType":"text/csv"}""", Encoding.UTF8, "application/json"),
        };
        var started = await client.SendAsync(start);
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        var session = started.Headers.Location!;
        Assert.Contains("upload_id=", session.Query);

        var firstChunk = await PutAsync(client, session, bytes[..half], $"bytes 0-{half - 1}/*");
        var status = await PutAsync(client, session, [], "bytes */*");
        var lastChunk = await PutAsync(client, session, bytes[half..], $"bytes {half}-{bytes.Length - 1}/{bytes.Length}");

        Assert.Equal((HttpStatusCode)308, firstChunk.StatusCode);
        Assert.Equal($"bytes=0-{half - 1}", firstChunk.Headers.GetValues("Range").Single());
        Assert.Equal((HttpStatusCode)308, status.StatusCode);
        Assert.Equal($"bytes=0-{half - 1}", status.Headers.GetValues("Range").Single());
        Assert.Equal(HttpStatusCode.OK, lastChunk.StatusCode);
        var stored = JsonDocument.Parse(await lastChunk.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(bytes.Length.ToString(), stored.GetProperty("size").GetString());
        Assert.Equal("text/csv", stored.GetProperty("contentType").GetString());
        Assert.Equal(bytes, await client.GetByteArrayAsync($"{Objects}/user_interaction%2Fresumed.csv?alt=media"));
        var load = LocalLoads.Of(await LocalLoads.WaitForAsync(client, count: 1), "user_interaction/resumed.csv");
        Assert.Equal(stored.GetProperty("generation").GetString(), load.GetProperty("generation").GetString());
    }

    [Fact]
    public async Task DownloadWithRange_Answers206WithContentRange_And416BeyondTheEnd()
    {
        var client = await StartAsync();
        await MediaUploadAsync(client, "misc/digits.txt", "0123456789");

        var middle = await GetRangeAsync(client, $"{Objects}/misc%2Fdigits.txt?alt=media", "bytes=2-5");
        var tail = await GetRangeAsync(client, $"{Objects}/misc%2Fdigits.txt?alt=media", "bytes=-3");
        var rest = await GetRangeAsync(client, "/download/storage/v1/b/local-bucket/o/misc%2Fdigits.txt?alt=media", "bytes=8-");
        var beyond = await GetRangeAsync(client, $"{Objects}/misc%2Fdigits.txt?alt=media", "bytes=20-");

        Assert.Equal(HttpStatusCode.PartialContent, middle.StatusCode);
        Assert.Equal("2345", await middle.Content.ReadAsStringAsync());
        Assert.Equal("bytes 2-5/10", middle.Content.Headers.ContentRange!.ToString());
        Assert.Equal("789", await tail.Content.ReadAsStringAsync());
        Assert.Equal("bytes 7-9/10", tail.Content.Headers.ContentRange!.ToString());
        Assert.Equal(HttpStatusCode.PartialContent, rest.StatusCode);
        Assert.Equal("89", await rest.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, beyond.StatusCode);
        // The hash headers describe the whole object, as Cloud Storage's do.
        Assert.StartsWith("crc32c=", middle.Headers.GetValues("x-goog-hash").Single());
    }

    [Fact]
    public async Task DeletedObject_IsGoneFromGetListAndTheBucketDirectory()
    {
        var client = await StartAsync();
        await MediaUploadAsync(client, "misc/gone.txt", "bye");

        var deleted = await client.DeleteAsync($"{Objects}/misc%2Fgone.txt");
        var get = await client.GetAsync($"{Objects}/misc%2Fgone.txt");
        var media = await client.GetAsync($"{Objects}/misc%2Fgone.txt?alt=media");
        var again = await client.DeleteAsync($"{Objects}/misc%2Fgone.txt");
        var list = await client.GetFromJsonAsync<JsonElement>($"{Objects}?prefix=misc/");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal("notFound", Reason(await get.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.NotFound, media.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.False(list.TryGetProperty("items", out _));
        Assert.False(File.Exists(Path.Combine(_stack!.Options.BucketDir, "misc", "gone.txt")));
    }

    [Fact]
    public async Task ListWithPrefix_ListsOnlyThatPrefixInNameOrder_PagesAndRollsUpByDelimiter()
    {
        var client = await StartAsync();
        foreach (var name in new[] { "misc/x/b.txt", "misc/top.txt", "misc/x/a.txt", "other/m.txt" })
        {
            await MediaUploadAsync(client, name, name);
        }

        var prefixed = await client.GetFromJsonAsync<JsonElement>($"{Objects}?prefix=misc/");
        var rolledUp = await client.GetFromJsonAsync<JsonElement>($"{Objects}?prefix=misc/&delimiter=/");
        var firstPage = await client.GetFromJsonAsync<JsonElement>($"{Objects}?prefix=misc/&maxResults=2");
        var token = firstPage.GetProperty("nextPageToken").GetString()!;
        var secondPage = await client.GetFromJsonAsync<JsonElement>($"{Objects}?prefix=misc/&maxResults=2&pageToken={Uri.EscapeDataString(token)}");
        var rootStyle = await client.GetFromJsonAsync<JsonElement>("/b/local-bucket/o?prefix=other/");

        Assert.Equal(["misc/top.txt", "misc/x/a.txt", "misc/x/b.txt"], Names(prefixed));
        Assert.Equal(["misc/top.txt"], Names(rolledUp));
        Assert.Equal(["misc/x/"], rolledUp.GetProperty("prefixes").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(["misc/top.txt", "misc/x/a.txt"], Names(firstPage));
        Assert.Equal(["misc/x/b.txt"], Names(secondPage));
        Assert.False(secondPage.TryGetProperty("nextPageToken", out _));
        Assert.Equal(["other/m.txt"], Names(rootStyle));
    }

    [Fact]
    public async Task OtherBuckets_Answer404InTheJsonApiErrorShape_AndTheListHasTheLocalBucketOnly()
    {
        var client = await StartAsync();

        var bucket = await client.GetAsync("/storage/v1/b/elsewhere");
        var upload = await client.PostAsync("/upload/storage/v1/b/elsewhere/o?uploadType=media&name=a.csv", new StringContent("x"));
        var buckets = await client.GetFromJsonAsync<JsonElement>("/storage/v1/b?project=local");
        var local = await client.GetFromJsonAsync<JsonElement>("/b/local-bucket");

        Assert.Equal(HttpStatusCode.NotFound, bucket.StatusCode);
        var error = JsonDocument.Parse(await bucket.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(404, error.GetProperty("code").GetInt32());
        Assert.Contains("elsewhere", error.GetProperty("message").GetString());
        Assert.Equal("notFound", error.GetProperty("errors")[0].GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.NotFound, upload.StatusCode);
        Assert.Equal(["local-bucket"], buckets.GetProperty("items").EnumerateArray().Select(b => b.GetProperty("name").GetString()));
        Assert.Equal("storage#bucket", local.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task DroppedFile_StillLoads_AndTheApiServesItWithTheGenerationItsEventCarried()
    {
        var client = await StartAsync();
        var path = Path.Combine(_stack!.Options.BucketDir, "content_meta", "dropped.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, Meta);

        var load = LocalLoads.Of(await LocalLoads.WaitForAsync(client, count: 1, _clock), "content_meta/dropped.csv");
        var served = await client.GetFromJsonAsync<JsonElement>($"{Objects}/content_meta%2Fdropped.csv");

        Assert.Equal("loaded", load.GetProperty("status").GetString());
        Assert.Equal(load.GetProperty("generation").GetString(), served.GetProperty("generation").GetString());
        Assert.Equal(Convert.ToBase64String(MD5.HashData(Encoding.UTF8.GetBytes(Meta))), served.GetProperty("md5Hash").GetString());
        Assert.Equal(Meta, await client.GetStringAsync($"{Objects}/content_meta%2Fdropped.csv?alt=media"));
    }

    [Fact]
    public async Task IfGenerationMatch_IsAPrecondition_ZeroMeaningTheObjectDoesNotExist()
    {
        var client = await StartAsync();
        var first = await MediaUploadAsync(client, "misc/once.txt", "one");
        var generation = first.GetProperty("generation").GetString();

        var refused = await client.PostAsync($"{Uploads}?uploadType=media&name=misc%2Fonce.txt&ifGenerationMatch=0", new StringContent("two"));
        var replaced = await client.PostAsync($"{Uploads}?uploadType=media&name=misc%2Fonce.txt&ifGenerationMatch={generation}", new StringContent("two"));

        Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
        Assert.Equal("conditionNotMet", Reason(await refused.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var second = JsonDocument.Parse(await replaced.Content.ReadAsStringAsync()).RootElement.GetProperty("generation").GetString()!;
        Assert.True(long.Parse(second) > long.Parse(generation!));
        Assert.Equal("two", await client.GetStringAsync($"{Objects}/misc%2Fonce.txt?alt=media"));
    }

    [Fact]
    public async Task ObjectHashes_AreMd5AndTheCastagnoliCrc32c_InBase64()
    {
        var hashes = await ObjectHashes.OfStreamAsync(new MemoryStream(Encoding.ASCII.GetBytes("123456789")), CancellationToken.None);

        // CRC-32C's check value for "123456789" is 0xE3069283; the JSON API writes its four big-endian bytes in base64.
        Assert.Equal("4waSgw==", hashes.Crc32c);
        Assert.Equal("JfnnlDI7RTiF9RgfG2JNCw==", hashes.Md5Hash);
    }

    private static async Task<JsonElement> MediaUploadAsync(HttpClient client, string name, string content)
    {
        var response = await client.PostAsync($"{Uploads}?uploadType=media&name={Uri.EscapeDataString(name)}",
            new StringContent(content, Encoding.UTF8, "text/csv"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static async Task<JsonElement> MultipartUploadAsync(HttpClient client, string name, string content)
    {
        using var body = new MultipartContent("related");
        body.Add(new StringContent(JsonSerializer.Serialize(new { name, contentType = "text/csv" }), Encoding.UTF8, "application/json"));
        body.Add(new StringContent(content, Encoding.UTF8, "application/octet-stream"));
        var response = await client.PostAsync($"{Uploads}?uploadType=multipart", body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static async Task<HttpResponseMessage> PutAsync(HttpClient client, Uri session, byte[] bytes, string contentRange)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, session) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.TryAddWithoutValidation("Content-Range", contentRange);
        return await client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> GetRangeAsync(HttpClient client, string path, string range)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Range = RangeHeaderValue.Parse(range);
        return await client.SendAsync(request);
    }

    private static IEnumerable<string?> Names(JsonElement list) =>
        list.TryGetProperty("items", out var items) ? items.EnumerateArray().Select(i => i.GetProperty("name").GetString()) : [];

    private static string? Reason(string errorBody) =>
        JsonDocument.Parse(errorBody).RootElement.GetProperty("error").GetProperty("errors")[0].GetProperty("reason").GetString();
}

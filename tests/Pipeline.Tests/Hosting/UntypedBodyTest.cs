using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using CloudNative.CloudEvents;
using Pipeline.Events.Protobuf;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;
using Pipeline.Functions.Framework;
using Pipeline.Functions.Testing;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Hosting;

/// <summary>
/// An untyped function gets the request body as the bytes that carried it, read once and never parsed on the way:
/// what it decodes is exactly what was sent, and what it cannot decode it keeps byte for byte.
/// </summary>
public sealed class UntypedBodyTest : IAsyncLifetime
{
    private readonly ConcurrentQueue<CloudEvent> _received = new();
    private FunctionTestServer<BodyRecordingFunction> _server = null!;

    public async Task InitializeAsync() =>
        _server = await FunctionTestServer<BodyRecordingFunction>.StartAsync(services => services.AddSingleton(_received));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task BinaryModeJsonBody_ReachesTheFunctionAsItsExactBytes()
    {
        var request = Messages.PubSub(Messages.SeedInteraction, "exact-1");

        var response = await _server.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = Assert.IsType<byte[]>(Assert.Single(_received).Data);
        Assert.Equal(request.Body, data);
        Assert.True(CloudEventPayload.TryDecode<MessagePublishedData>(Assert.Single(_received), out var decoded, out _));
        Assert.Equal(Messages.SeedInteraction, decoded.Message.Data.ToStringUtf8());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1024)]
    [InlineData(1025)]
    [InlineData(70_000)]
    public async Task BodyWithoutContentLength_ReachesTheFunctionWhole(int length)
    {
        var body = Enumerable.Range(0, length).Select(i => (byte)(i * 7 % 251)).ToArray();
        using var client = _server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new ChunkedContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/octet-stream");
        foreach (var (name, value) in new[] { ("ce-specversion", "1.0"), ("ce-id", "c-1"), ("ce-type", "t"), ("ce-source", "//s") })
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, Assert.IsType<byte[]>(Assert.Single(_received).Data));
    }

    /// <summary>A body of unknown length, written in pieces of at most 1000 bytes.</summary>
    private sealed class ChunkedContent(byte[] body) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var at = 0; at < body.Length; at += 1000)
            {
                await stream.WriteAsync(body.AsMemory(at, Math.Min(1000, body.Length - at)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

/// <summary>An untyped function that keeps each event it is given.</summary>
public sealed class BodyRecordingFunction(ConcurrentQueue<CloudEvent> received) : ICloudEventFunction
{
    public Task HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken)
    {
        received.Enqueue(cloudEvent);
        return Task.CompletedTask;
    }
}

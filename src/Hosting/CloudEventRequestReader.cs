using System.Net.Mime;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;
using Microsoft.AspNetCore.Http;

namespace Pipeline.Hosting;

/// <summary>
/// Turns an HTTP request into a CloudEvent the way the Functions Framework does: binary mode (ce-* headers),
/// structured mode (application/cloudevents+json), or a raw Pub/Sub push envelope ({message, subscription}).
/// Media types are compared without their parameters. Anything else, batch mode included, is a
/// <see cref="CloudEventBindingException"/> (the host answers 400).
/// </summary>
public sealed class CloudEventRequestReader
{
    /// <summary>The largest body read: a 10 MB Pub/Sub message, base64-encoded in its envelope, fits.</summary>
    public const long MaxBodyBytes = 16 * 1024 * 1024;

    private readonly JsonEventFormatter _formatter = new();

    public async Task<CloudEvent> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var contentType = ParseContentType(request.ContentType);
        var mediaType = contentType?.MediaType ?? "";
        if (mediaType.StartsWith("application/cloudevents-batch", StringComparison.OrdinalIgnoreCase))
        {
            throw new CloudEventBindingException("Batch mode CloudEvents are not supported.");
        }
        var body = await ReadBodyAsync(request, cancellationToken);
        if (request.Headers.ContainsKey(HttpUtilities.SpecVersionHttpHeader))
        {
            return ReadBinaryMode(request, body);
        }
        if (mediaType.StartsWith("application/cloudevents", StringComparison.OrdinalIgnoreCase))
        {
            return ReadStructuredMode(body, contentType!);
        }
        if (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return PubSubPushEnvelope.ToCloudEvent(body, request.Path.Value);
        }
        throw new CloudEventBindingException(
            $"Not a CloudEvent: no ce-specversion header, and content type '{request.ContentType}' is neither structured mode nor a Pub/Sub push envelope.");
    }

    private CloudEvent ReadBinaryMode(HttpRequest request, ReadOnlyMemory<byte> body)
    {
        var specVersion = request.Headers[HttpUtilities.SpecVersionHttpHeader].ToString();
        var version = CloudEventsSpecVersion.FromVersionId(specVersion)
            ?? throw new CloudEventBindingException($"Unknown CloudEvents spec version '{specVersion}'.");
        var cloudEvent = new CloudEvent(version);
        try
        {
            foreach (var header in request.Headers)
            {
                if (HttpUtilities.GetAttributeNameFromHeaderName(header.Key) is not { } name || name == CloudEventsSpecVersion.SpecVersionAttribute.Name)
                {
                    continue;
                }
                cloudEvent.SetAttributeFromString(name, HttpUtilities.DecodeHeaderValue(header.Value.ToString()));
            }
            if (!string.IsNullOrEmpty(request.ContentType))
            {
                cloudEvent.DataContentType = request.ContentType;
            }
            if (!body.IsEmpty)
            {
                try
                {
                    _formatter.DecodeBinaryModeEventData(body, cloudEvent);
                }
                catch (JsonException)
                {
                    // The headers make a valid CloudEvent; its data is not the JSON it claims to be. That is the
                    // function's to judge (and to dead-letter), not a malformed request: keep the bytes.
                    cloudEvent.Data = body.ToArray();
                }
            }
            return cloudEvent.Validate();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or JsonException or FormatException)
        {
            throw new CloudEventBindingException($"Invalid binary-mode CloudEvent: {e.Message}", e);
        }
    }

    private CloudEvent ReadStructuredMode(ReadOnlyMemory<byte> body, ContentType contentType)
    {
        try
        {
            return _formatter.DecodeStructuredModeMessage(body, contentType, extensionAttributes: null).Validate();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or JsonException or FormatException)
        {
            throw new CloudEventBindingException($"Invalid structured-mode CloudEvent: {e.Message}", e);
        }
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw new PayloadTooLargeException(request.ContentLength.Value);
        }
        using var buffer = new MemoryStream(request.ContentLength is > 0 ? (int)request.ContentLength : 1024);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw new PayloadTooLargeException(buffer.Length + read);
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static ContentType? ParseContentType(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }
        try
        {
            return new ContentType(header);
        }
        catch (FormatException e)
        {
            throw new CloudEventBindingException($"Malformed Content-Type '{header}'.", e);
        }
    }
}

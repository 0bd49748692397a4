using System.Net.Mime;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;
using Microsoft.AspNetCore.Http;

namespace Pipeline.Functions.Framework;

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

    /// <summary>Reads the request as a CloudEvent whose data <paramref name="formatter"/> decodes.</summary>
    /// <param name="request">The HTTP request.</param>
    /// <param name="formatter">
    /// Decodes the data (and, in structured mode, the whole event); data it cannot decode is a
    /// <see cref="CloudEventBindingException"/>. The untyped adapter's formatter decodes nothing: the body's bytes are the data.
    /// </param>
    /// <param name="cancellationToken">Cancelled when the request is aborted.</param>
    public async Task<CloudEvent> ReadAsync(HttpRequest request, CloudEventFormatter formatter, CancellationToken cancellationToken)
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
            return ReadBinaryMode(request, body, formatter);
        }
        if (mediaType.StartsWith("application/cloudevents", StringComparison.OrdinalIgnoreCase))
        {
            return ReadStructuredMode(body, contentType!, formatter);
        }
        if (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            var pushed = PubSubPushEnvelope.ToCloudEvent(body, request.Path.Value);
            DecodeData(body, pushed, formatter);
            return pushed;
        }
        throw new CloudEventBindingException(
            $"Not a CloudEvent: no ce-specversion header, and content type '{request.ContentType}' is neither structured mode nor a Pub/Sub push envelope.");
    }

    private static CloudEvent ReadBinaryMode(
        HttpRequest request, ReadOnlyMemory<byte> body, CloudEventFormatter formatter)
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
            DecodeData(body, cloudEvent, formatter);
            return cloudEvent.Validate();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or JsonException or FormatException)
        {
            throw new CloudEventBindingException($"Invalid binary-mode CloudEvent: {e.Message}", e);
        }
    }

    /// <summary>The data of an event whose attributes are valid, as the formatter decodes it.</summary>
    private static void DecodeData(ReadOnlyMemory<byte> body, CloudEvent cloudEvent, CloudEventFormatter formatter)
    {
        if (body.IsEmpty)
        {
            return;
        }
        try
        {
            formatter.DecodeBinaryModeEventData(body, cloudEvent);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new CloudEventBindingException($"The CloudEvent's data cannot be decoded: {e.Message}", e);
        }
    }

    private static CloudEvent ReadStructuredMode(ReadOnlyMemory<byte> body, ContentType contentType, CloudEventFormatter formatter)
    {
        try
        {
            return formatter.DecodeStructuredModeMessage(body, contentType, extensionAttributes: null).Validate();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or JsonException or FormatException or IOException)
        {
            throw new CloudEventBindingException($"Invalid structured-mode CloudEvent: {e.Message}", e);
        }
    }

    /// <summary>
    /// The body, read once into one array: sized by Content-Length when there is one (so the array is exactly the
    /// body, which the untyped adapter hands over as is), grown when the body goes on.
    /// </summary>
    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw new PayloadTooLargeException(request.ContentLength.Value);
        }
        var buffer = new byte[request.ContentLength is > 0 ? (int)request.ContentLength : 1024];
        var length = 0;
        byte[]? probe = null;
        while (true)
        {
            if (length == buffer.Length)
            {
                // Full: the body ends here, or it goes on and the array grows.
                probe ??= new byte[1];
                if (await request.Body.ReadAsync(probe, cancellationToken) == 0)
                {
                    break;
                }
                if (length + 1 > MaxBodyBytes)
                {
                    throw new PayloadTooLargeException(length + 1);
                }
                Array.Resize(ref buffer, (int)Math.Min(buffer.Length * 2L, MaxBodyBytes));
                buffer[length++] = probe[0];
                continue;
            }
            var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                break;
            }
            length += read;
        }
        return buffer.AsMemory(0, length);
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

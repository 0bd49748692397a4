using System.Net.Http.Headers;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using Microsoft.AspNetCore.Http;
using Pipeline.Hosting.Events;

namespace Pipeline.Hosting.Eventarc;

/// <summary>
/// A CloudEvent as Eventarc delivers it to Cloud Run: binary content mode (ce-* headers, JSON body).
/// Used wherever this product plays the platform: the local stack, tests and benchmarks.
/// </summary>
public sealed record EventarcRequest(IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public const string ContentType = "application/json; charset=utf-8";

    /// <summary>The <c>messagePublished</c> event for one message of a topic, as an Eventarc Pub/Sub trigger sends it.</summary>
    public static EventarcRequest ForPubSubMessage(string project, string topic, PubsubMessage message, string subscription)
    {
        var data = new MessagePublishedData { Message = message, Subscription = subscription };
        return Create(
            id: message.MessageId ?? throw new ArgumentException("The message needs an id.", nameof(message)),
            type: EventTypes.MessagePublished,
            source: $"//pubsub.googleapis.com/projects/{project}/topics/{topic}",
            time: message.PublishTime,
            subject: null,
            body: JsonSerializer.SerializeToUtf8Bytes(data, EventPayloadJson.Options));
    }

    /// <summary>The <c>object.v1.finalized</c> event for a Cloud Storage object, as an Eventarc storage trigger sends it.</summary>
    public static EventarcRequest ForFinalizedObject(StorageObjectData storageObject, string eventId) =>
        Create(
            id: eventId,
            type: EventTypes.ObjectFinalized,
            source: $"//storage.googleapis.com/projects/_/buckets/{storageObject.Bucket}",
            time: storageObject.Updated ?? storageObject.TimeCreated,
            subject: $"objects/{storageObject.Name}",
            body: JsonSerializer.SerializeToUtf8Bytes(storageObject, EventPayloadJson.Options));

    /// <summary>Binary content mode: each attribute in its <c>ce-</c> header, encoded as the CloudEvents HTTP binding says.</summary>
    private static EventarcRequest Create(string id, string type, string source, DateTimeOffset? time, string? subject, byte[] body)
    {
        var version = CloudEventsSpecVersion.V1_0;
        var headers = new Dictionary<string, string>
        {
            [HttpUtilities.SpecVersionHttpHeader] = version.VersionId,
            [Header(version.IdAttribute)] = HttpUtilities.EncodeHeaderValue(id),
            [Header(version.TypeAttribute)] = HttpUtilities.EncodeHeaderValue(type),
            [Header(version.SourceAttribute)] = HttpUtilities.EncodeHeaderValue(source),
        };
        if (time is { } at)
        {
            headers[Header(version.TimeAttribute)] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'");
        }
        if (subject is not null)
        {
            headers[Header(version.SubjectAttribute)] = HttpUtilities.EncodeHeaderValue(subject);
        }
        return new EventarcRequest(headers, body);
    }

    private static string Header(CloudEventAttribute attribute) => HttpUtilities.HttpHeaderPrefix + attribute.Name;

    /// <summary>The request as an <see cref="HttpRequestMessage"/> (for an HTTP client or a test server).</summary>
    public HttpRequestMessage ToHttpRequestMessage(string path = "/")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(Body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(ContentType);
        foreach (var (name, value) in Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return request;
    }

    /// <summary>The request as an in-process <see cref="HttpContext"/>, to run a function without a socket.</summary>
    public HttpContext ToHttpContext(IServiceProvider requestServices, CancellationToken cancellationToken)
    {
        var context = new DefaultHttpContext { RequestServices = requestServices, RequestAborted = cancellationToken };
        context.Request.Method = HttpMethods.Post;
        context.Request.Path = "/";
        context.Request.ContentType = ContentType;
        context.Request.ContentLength = Body.Length;
        context.Request.Body = new MemoryStream(Body, writable: false);
        foreach (var (name, value) in Headers)
        {
            context.Request.Headers[name] = value;
        }
        context.Response.Body = Stream.Null;
        return context;
    }
}

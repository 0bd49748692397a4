using System.Buffers;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Pipeline.Domain;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;
using Pipeline.Events.Protobuf.Cloud.Storage.V1;
using Pipeline.Functions.Framework;

namespace Pipeline.EventarcRequests;

/// <summary>
/// A CloudEvent as Eventarc delivers it to Cloud Run: binary content mode (ce-* headers, JSON body).
/// Used wherever this product plays the platform: the local stack, tests and benchmarks.
/// </summary>
/// <param name="Headers">The <c>ce-</c> headers.</param>
/// <param name="Body">The data in protobuf's JSON form, as Eventarc sends it (int64 as strings).</param>
public sealed record EventarcRequest(IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    /// <summary>The body's content type.</summary>
    public const string ContentType = "application/json; charset=utf-8";

    /// <summary>The <c>messagePublished</c> event for one message of a topic, as an Eventarc Pub/Sub trigger sends it.</summary>
    /// <param name="project">The topic's project.</param>
    /// <param name="topic">The topic's name.</param>
    /// <param name="message">The message, with its id.</param>
    /// <param name="subscription">The trigger's subscription, <c>projects/{project}/subscriptions/{name}</c>.</param>
    public static EventarcRequest ForPubSubMessage(string project, string topic, PubsubMessage message, string subscription) =>
        ForPubSubMessage(project, topic, message.MessageId, message.PublishTime?.ToDateTimeOffset(), message.Data.ToBase64(),
            message.Attributes, message.OrderingKey, subscription);

    /// <summary>
    /// The <c>messagePublished</c> event for one message whose data is already base64, as a publish request carries
    /// it and as the event's JSON carries it: the text is written as is, never decoded and encoded again. The body is
    /// the <c>MessagePublishedData</c> in protobuf's JSON form (default values left out); the publish time is written
    /// in microseconds.
    /// </summary>
    /// <param name="project">The topic's project.</param>
    /// <param name="topic">The topic's name.</param>
    /// <param name="messageId">The message's id.</param>
    /// <param name="publishTime">When it was published, if known.</param>
    /// <param name="base64Data">Its data in base64; empty for none.</param>
    /// <param name="attributes">Its attributes.</param>
    /// <param name="orderingKey">Its ordering key; empty for none.</param>
    /// <param name="subscription">The trigger's subscription, <c>projects/{project}/subscriptions/{name}</c>.</param>
    public static EventarcRequest ForPubSubMessage(string project, string topic, string messageId, DateTimeOffset? publishTime,
        string base64Data, IEnumerable<KeyValuePair<string, string>> attributes, string orderingKey, string subscription)
    {
        if (messageId is not { Length: > 0 })
        {
            throw new ArgumentException("The message needs an id.", nameof(messageId));
        }
        var body = new ArrayBufferWriter<byte>(256 + base64Data.Length);
        using (var json = new Utf8JsonWriter(body, s_bodyWriter))
        {
            json.WriteStartObject();
            json.WriteStartObject("message");
            if (base64Data.Length > 0)
            {
                json.WriteString("data", base64Data);
            }
            var first = true;
            foreach (var (name, value) in attributes)
            {
                if (first)
                {
                    json.WriteStartObject("attributes");
                    first = false;
                }
                json.WriteString(name, value);
            }
            if (!first)
            {
                json.WriteEndObject();
            }
            json.WriteString("messageId", messageId);
            if (publishTime is { } at)
            {
                json.WriteString("publishTime", Rfc3339.Microseconds(at));
            }
            if (orderingKey.Length > 0)
            {
                json.WriteString("orderingKey", orderingKey);
            }
            json.WriteEndObject();
            json.WriteString("subscription", subscription);
            json.WriteEndObject();
        }
        return Create(
            id: messageId,
            type: EventTypes.MessagePublished,
            source: $"//pubsub.googleapis.com/projects/{project}/topics/{topic}",
            time: publishTime,
            subject: null,
            body: body.WrittenSpan.ToArray());
    }

    /// <summary>Base64 and names written as they are; what JSON requires escaped still is.</summary>
    private static readonly JsonWriterOptions s_bodyWriter = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The <c>object.v1.finalized</c> event for a Cloud Storage object, as an Eventarc storage trigger sends it.</summary>
    /// <param name="storageObject">The object's metadata.</param>
    /// <param name="eventId">The event's id.</param>
    public static EventarcRequest ForFinalizedObject(StorageObjectData storageObject, string eventId) =>
        Create(
            id: eventId,
            type: EventTypes.ObjectFinalized,
            source: $"//storage.googleapis.com/projects/_/buckets/{storageObject.Bucket}",
            time: (storageObject.Updated ?? storageObject.TimeCreated)?.ToDateTimeOffset(),
            subject: $"objects/{storageObject.Name}",
            body: Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(storageObject)));

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
            headers[Header(version.TimeAttribute)] = Rfc3339.Microseconds(at);
        }
        if (subject is not null)
        {
            headers[Header(version.SubjectAttribute)] = HttpUtilities.EncodeHeaderValue(subject);
        }
        return new EventarcRequest(headers, body);
    }

    private static string Header(CloudEventAttribute attribute) => HttpUtilities.HttpHeaderPrefix + attribute.Name;

    /// <summary>The request as an <see cref="HttpRequestMessage"/> (for an HTTP client or a test server).</summary>
    /// <param name="path">The request path.</param>
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
    /// <param name="requestServices">The request's service scope.</param>
    /// <param name="cancellationToken">Aborts the request.</param>
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

using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Pipeline.Local.Bucket;

namespace Pipeline.Local.Storage;

/// <summary>The JSON API's resources as the local bucket writes them (int64 fields as strings, times RFC 3339 UTC).</summary>
public static class StorageResources
{
    /// <summary>camelCase, nulls left out: the JSON API's own spelling.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Base64 '+' and a link's '&' as they are: the output is read by HTTP clients, never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The <c>storage#object</c> resource of <paramref name="stored"/>; links under <paramref name="root"/> (<c>http://host:port</c>).</summary>
    public static ObjectResource Object(StoredObject stored, string root)
    {
        var bucket = LocalBucketWatcher.BucketName;
        var encoded = Uri.EscapeDataString(stored.Name);
        var generation = stored.Generation.ToString(CultureInfo.InvariantCulture);
        var time = Time(stored.TimeCreated);
        return new ObjectResource(
            Kind: "storage#object",
            Id: $"{bucket}/{stored.Name}/{generation}",
            SelfLink: $"{root}/storage/v1/b/{bucket}/o/{encoded}",
            MediaLink: $"{root}/download/storage/v1/b/{bucket}/o/{encoded}?generation={generation}&alt=media",
            Name: stored.Name,
            Bucket: bucket,
            Generation: generation,
            Metageneration: stored.Metageneration.ToString(CultureInfo.InvariantCulture),
            ContentType: stored.ContentType,
            StorageClass: "STANDARD",
            Size: stored.Size.ToString(CultureInfo.InvariantCulture),
            Md5Hash: stored.Md5Hash,
            Crc32c: stored.Crc32c,
            Etag: ETagOf(stored),
            TimeCreated: time,
            Updated: time,
            TimeStorageClassUpdated: time,
            Metadata: stored.Metadata);
    }

    /// <summary>The <c>storage#bucket</c> resource of the local bucket, created at <paramref name="created"/>.</summary>
    public static BucketResource Bucket(string root, DateTimeOffset created)
    {
        var name = LocalBucketWatcher.BucketName;
        return new BucketResource("storage#bucket", name, name, $"{root}/storage/v1/b/{name}", "0", "1", "LOCAL", "STANDARD",
            Time(created), Time(created), "CAE=");
    }

    /// <summary>The object's entity tag: its generation and metageneration, base64.</summary>
    public static string ETagOf(StoredObject stored) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(FormattableString.Invariant($"{stored.Generation}/{stored.Metageneration}")));

    private static string Time(DateTimeOffset at) => Pipeline.Domain.Rfc3339.Microseconds(at);
}

/// <summary>An object resource (<c>storage#object</c>).</summary>
public sealed record ObjectResource(
    string Kind, string Id, string SelfLink, string MediaLink, string Name, string Bucket, string Generation, string Metageneration,
    string ContentType, string StorageClass, string Size, string Md5Hash, string Crc32c, string Etag, string TimeCreated, string Updated,
    string TimeStorageClassUpdated, IReadOnlyDictionary<string, string>? Metadata);

/// <summary>A bucket resource (<c>storage#bucket</c>).</summary>
public sealed record BucketResource(
    string Kind, string Id, string Name, string SelfLink, string ProjectNumber, string Metageneration, string Location,
    string StorageClass, string TimeCreated, string Updated, string Etag);

/// <summary>A page of <c>objects.list</c> (<c>storage#objects</c>): objects, and the prefixes the delimiter rolled up.</summary>
public sealed record ObjectList(string Kind, IReadOnlyList<ObjectResource>? Items, IReadOnlyList<string>? Prefixes, string? NextPageToken);

/// <summary>A page of <c>buckets.list</c> (<c>storage#buckets</c>).</summary>
public sealed record BucketList(string Kind, IReadOnlyList<BucketResource> Items);

/// <summary>The object resource fields an upload may carry (a multipart upload's first part, a resumable session's start).</summary>
public sealed record ObjectMetadata(string? Name, string? ContentType, Dictionary<string, string>? Metadata, string? Md5Hash, string? Crc32c);

/// <summary>The JSON API's error shape: <c>{"error": {"code", "message", "errors": [{"domain", "reason", "message"}]}}</c>.</summary>
public sealed record StorageError(StorageErrorBody Error)
{
    /// <summary>The error answer of <paramref name="refused"/>.</summary>
    public static IResult Of(StorageException refused) =>
        Results.Json(new StorageError(new StorageErrorBody(refused.Status, refused.Message, [new StorageErrorItem("global", refused.Reason, refused.Message)])),
            StorageResources.Json, statusCode: refused.Status);
}

/// <summary>The body of <see cref="StorageError"/>.</summary>
public sealed record StorageErrorBody(int Code, string Message, IReadOnlyList<StorageErrorItem> Errors);

/// <summary>One error of <see cref="StorageErrorBody.Errors"/>.</summary>
public sealed record StorageErrorItem(string Domain, string Reason, string Message);

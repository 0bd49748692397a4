using System.Globalization;
using System.Text;
using Microsoft.Net.Http.Headers;

namespace Pipeline.Local.Storage;

/// <summary>The JSON API's bucket and object calls, except uploads: buckets.get/list, objects.get (metadata or media)/list/delete.</summary>
public sealed class ObjectEndpoints(BucketStore store)
{
    private const int MaxPage = 1000;

    /// <summary><c>buckets.list</c>: the one local bucket, whatever the project.</summary>
    public Task<IResult> ListBucketsAsync(HttpContext context) =>
        Task.FromResult(Results.Json(new BucketList("storage#buckets", [BucketOf(context)]), StorageResources.Json));

    /// <summary><c>buckets.get</c>: the local bucket; 404 for any other.</summary>
    public Task<IResult> GetBucketAsync(HttpContext context)
    {
        StorageRequests.RequireLocalBucket(context);
        return Task.FromResult(Results.Json(BucketOf(context), StorageResources.Json));
    }

    /// <summary>
    /// <c>objects.list</c>, in name order: <c>prefix</c>, <c>delimiter</c> (names rolled up into <c>prefixes</c>),
    /// <c>startOffset</c>/<c>endOffset</c>, <c>maxResults</c> (at most 1000) and <c>pageToken</c>.
    /// </summary>
    public async Task<IResult> ListObjectsAsync(HttpContext context)
    {
        StorageRequests.RequireLocalBucket(context);
        var cancellationToken = context.RequestAborted;
        var prefix = StorageRequests.Text(context, "prefix") ?? "";
        var delimiter = StorageRequests.Text(context, "delimiter");
        var start = StorageRequests.Text(context, "startOffset");
        var end = StorageRequests.Text(context, "endOffset");
        var max = (int)Math.Clamp(StorageRequests.Int64(context, "maxResults") ?? MaxPage, 1, MaxPage);
        var after = StorageRequests.Text(context, "pageToken") is { } token ? DecodeToken(token) : null;
        var names = store.Names()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal)
                && (start is null || string.CompareOrdinal(n, start) >= 0)
                && (end is null || string.CompareOrdinal(n, end) < 0))
            .Order(StringComparer.Ordinal);
        var items = new List<ObjectResource>();
        var prefixes = new List<string>();
        string? last = null;
        string? next = null;
        foreach (var name in names)
        {
            if (after is not null && (string.CompareOrdinal(name, after) <= 0 || (delimiter is not null && after.EndsWith(delimiter, StringComparison.Ordinal) && name.StartsWith(after, StringComparison.Ordinal))))
            {
                continue;
            }
            var cut = delimiter is null ? -1 : name.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
            var key = cut < 0 ? name : name[..(cut + delimiter!.Length)];
            if (key == last)
            {
                continue;
            }
            if (items.Count + prefixes.Count == max)
            {
                next = EncodeToken(last!);
                break;
            }
            if (cut >= 0)
            {
                prefixes.Add(key);
            }
            else if (await store.DescribeAsync(name, cancellationToken) is { } stored)
            {
                items.Add(StorageResources.Object(stored, StorageRequests.Root(context)));
            }
            last = key;
        }
        return Results.Json(new ObjectList("storage#objects", items.Count > 0 ? items : null, prefixes.Count > 0 ? prefixes : null, next),
            StorageResources.Json);
    }

    /// <summary><c>objects.get</c>: the object resource, or its bytes with <c>alt=media</c> (<see cref="DownloadAsync"/>).</summary>
    public async Task<IResult> GetObjectAsync(HttpContext context)
    {
        if (StorageRequests.Text(context, "alt") == "media")
        {
            return await DownloadAsync(context);
        }
        StorageRequests.RequireLocalBucket(context);
        var name = StorageRequests.ObjectName(context);
        var stored = await store.DescribeAsync(name, context.RequestAborted) ?? throw StorageException.NoSuchObject(name);
        Check(context, stored);
        return Results.Json(StorageResources.Object(stored, StorageRequests.Root(context)), StorageResources.Json);
    }

    /// <summary>
    /// The object's bytes (<c>alt=media</c>, or under <c>/download</c>), with <c>Range</c>: 206 and <c>Content-Range</c>
    /// for a satisfiable range, 416 otherwise. <c>x-goog-hash</c> and <c>x-goog-generation</c> describe the whole object.
    /// </summary>
    public async Task<IResult> DownloadAsync(HttpContext context)
    {
        StorageRequests.RequireLocalBucket(context);
        var name = StorageRequests.ObjectName(context);
        var (stored, content) = await store.OpenReadAsync(name, context.RequestAborted) ?? throw StorageException.NoSuchObject(name);
        try
        {
            Check(context, stored);
        }
        catch
        {
            await content.DisposeAsync();
            throw;
        }
        var headers = context.Response.Headers;
        headers["x-goog-generation"] = stored.Generation.ToString(CultureInfo.InvariantCulture);
        headers["x-goog-metageneration"] = stored.Metageneration.ToString(CultureInfo.InvariantCulture);
        headers["x-goog-hash"] = $"crc32c={stored.Crc32c},md5={stored.Md5Hash}";
        headers["x-goog-stored-content-encoding"] = "identity";
        headers["x-goog-stored-content-length"] = stored.Size.ToString(CultureInfo.InvariantCulture);
        return Results.Stream(content, stored.ContentType, lastModified: stored.TimeCreated,
            entityTag: new EntityTagHeaderValue($"\"{StorageResources.ETagOf(stored)}\""), enableRangeProcessing: true);
    }

    /// <summary><c>objects.delete</c>: 204; 404 when there is no such object; 412 when <c>ifGenerationMatch</c> does not hold.</summary>
    public async Task<IResult> DeleteObjectAsync(HttpContext context)
    {
        StorageRequests.RequireLocalBucket(context);
        var name = StorageRequests.ObjectName(context);
        return await store.DeleteAsync(name, StorageRequests.Int64(context, "ifGenerationMatch"), context.RequestAborted)
            ? Results.NoContent()
            : throw StorageException.NoSuchObject(name);
    }

    /// <summary>Only the current generation is kept: another <c>generation</c> is 404; <c>ifGenerationMatch</c> is 412 when it differs.</summary>
    private static void Check(HttpContext context, StoredObject stored)
    {
        if (StorageRequests.Int64(context, "generation") is { } generation && generation != stored.Generation)
        {
            throw new StorageException(StatusCodes.Status404NotFound, "notFound",
                $"No such object: {stored.Name}#{generation} (the local bucket keeps only the current generation, {stored.Generation}).");
        }
        if (StorageRequests.Int64(context, "ifGenerationMatch") is { } expected && expected != stored.Generation)
        {
            throw StorageException.ConditionNotMet(
                $"At least one of the pre-conditions you specified did not hold: ifGenerationMatch={expected}, the object's generation is {stored.Generation}.");
        }
    }

    private BucketResource BucketOf(HttpContext context) =>
        StorageResources.Bucket(StorageRequests.Root(context), new DateTimeOffset(Directory.GetCreationTimeUtc(store.Root), TimeSpan.Zero));

    private static string EncodeToken(string name) => Convert.ToBase64String(Encoding.UTF8.GetBytes(name));

    private static string DecodeToken(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw StorageException.Invalid($"Invalid argument: pageToken '{token}' is not one this bucket gave.");
        }
    }
}

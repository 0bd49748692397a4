using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Pipeline.Local.Bucket;

namespace Pipeline.Local.Storage;

/// <summary>What the JSON API's handlers read from a request: the bucket, the object name, the query's numbers, the root URL.</summary>
public static class StorageRequests
{
    /// <summary>Runs <paramref name="handler"/>, answering a <see cref="StorageException"/> in the JSON API's error shape.</summary>
    public static Func<HttpContext, Task<IResult>> Guarded(Func<HttpContext, Task<IResult>> handler) => async context =>
    {
        try
        {
            return await handler(context);
        }
        catch (StorageException refused)
        {
            return StorageError.Of(refused);
        }
    };

    /// <summary>404 unless the request's <c>{bucket}</c> is the local bucket (the stack has that one bucket).</summary>
    public static void RequireLocalBucket(HttpContext context)
    {
        var bucket = context.GetRouteValue("bucket") as string;
        if (bucket != LocalBucketWatcher.BucketName)
        {
            throw new StorageException(StatusCodes.Status404NotFound, "notFound",
                $"The specified bucket does not exist: {bucket} (the local stack has one bucket, {LocalBucketWatcher.BucketName}).");
        }
    }

    /// <summary>
    /// The object name of <c>…/b/{bucket}/o/{object}</c>, from the request target as sent (Kestrel leaves <c>%2F</c>
    /// undecoded in the path, so the name is decoded here, segment by segment); 400 when it is empty.
    /// </summary>
    public static string ObjectName(HttpContext context)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        string[] segments;
        Func<string, string> decode;
        if (raw is { Length: > 0 } && raw[0] == '/')
        {
            segments = raw.Split('?', 2)[0].Split('/');
            decode = Uri.UnescapeDataString;
        }
        else
        {
            segments = (context.Request.PathBase + context.Request.Path).Value!.Split('/');
            decode = segment => segment.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        }
        for (var i = 0; i + 2 < segments.Length; i++)
        {
            if (segments[i] == "b" && segments[i + 2] == "o")
            {
                var name = string.Join('/', segments.Skip(i + 3).Select(decode));
                return name.Length > 0 ? name : throw new StorageException(StatusCodes.Status400BadRequest, "required", "The object name is required.");
            }
        }
        throw new StorageException(StatusCodes.Status400BadRequest, "required", "The object name is required.");
    }

    /// <summary>A query parameter that must be an int64 when present; 400 otherwise.</summary>
    public static long? Int64(HttpContext context, string parameter)
    {
        if (context.Request.Query[parameter].FirstOrDefault() is not { Length: > 0 } text)
        {
            return null;
        }
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw StorageException.Invalid($"Invalid argument: {parameter} must be an integer, got '{text}'.");
    }

    /// <summary>A query parameter as text, or null when absent or empty.</summary>
    public static string? Text(HttpContext context, string parameter) =>
        context.Request.Query[parameter].FirstOrDefault() is { Length: > 0 } text ? text : null;

    /// <summary>The root the client reached the stack at (<c>http://127.0.0.1:8000</c>), for the links the resources carry.</summary>
    public static string Root(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}";

    /// <summary>An upload may be larger than the stack's request limit (which is for CloudEvents): lifted for this request.</summary>
    public static void AllowLargeBody(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }
    }
}

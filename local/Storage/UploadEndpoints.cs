using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Pipeline.Local.Bucket;

namespace Pipeline.Local.Storage;

/// <summary>
/// <c>objects.insert</c> under <c>/upload/storage/v1/b/{bucket}/o</c>: <c>uploadType=media</c> (the body is the object),
/// <c>multipart</c> (<c>multipart/related</c>: the object resource as JSON, then the bytes) and <c>resumable</c> (POST
/// starts a session and answers its URI in <c>Location</c>; each PUT sends bytes with <c>Content-Range</c> and is
/// answered 308 with the <c>Range</c> received until the last, which is answered 200 with the object; DELETE cancels).
/// Every completed upload is one new generation, moved into the bucket whole and announced once to the watcher.
/// </summary>
public sealed class UploadEndpoints(BucketStore store, ResumableUploads sessions, LocalBucketWatcher watcher)
{
    /// <summary>The POST: a media or multipart upload, or the start of a resumable one.</summary>
    public async Task<IResult> InsertAsync(HttpContext context)
    {
        StorageRequests.RequireLocalBucket(context);
        StorageRequests.AllowLargeBody(context);
        var uploadType = StorageRequests.Text(context, "uploadType")
            ?? (context.Request.ContentType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true ? "multipart" : "media");
        return uploadType switch
        {
            "media" => await MediaAsync(context),
            "multipart" => await MultipartAsync(context),
            "resumable" => await StartResumableAsync(context),
            _ => throw StorageException.Invalid($"Invalid argument: uploadType must be media, multipart or resumable, got '{uploadType}'."),
        };
    }

    /// <summary>The PUT of a resumable session: bytes (or a status query, <c>Content-Range: bytes */total</c>).</summary>
    public async Task<IResult> ContinueResumableAsync(HttpContext context)
    {
        StorageRequests.RequireLocalBucket(context);
        StorageRequests.AllowLargeBody(context);
        var cancellationToken = context.RequestAborted;
        var id = StorageRequests.Text(context, "upload_id");
        using var held = await sessions.LockAsync(sessions.Find(id)?.Id ?? throw NoSuchSession(id), cancellationToken);
        var session = sessions.Find(id) ?? throw NoSuchSession(id);
        if (session.CompletedGeneration is { } completed)
        {
            return await CompletedAsync(context, session, completed);
        }
        var header = context.Request.Headers.ContentRange.ToString();
        var range = header.Length == 0 ? ContentRange.WholeObject
            : ContentRange.Parse(header) ?? throw StorageException.Invalid($"Invalid Content-Range: '{header}'.");
        var received = sessions.Received(session);
        if (range.IsQuery)
        {
            return range.Total == received ? await FinishAsync(context, session, received) : Incomplete(context, received);
        }
        var first = range.First!.Value;
        if (header.Length == 0)
        {
            // No Content-Range: the body is the whole object, whatever came before.
            File.WriteAllBytes(sessions.PartPath(session), []);
            received = 0;
        }
        if (first > received)
        {
            throw StorageException.Invalid($"The upload has {received} bytes; a request cannot start at byte {first}.");
        }
        await using (var part = new FileStream(sessions.PartPath(session), FileMode.Append, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            var length = range.Last is { } last ? last - first + 1 : (long?)null;
            await AppendAsync(context.Request.Body, part, skip: received - first, length, cancellationToken);
        }
        received = sessions.Received(session);
        var total = range.Total ?? (range.Last is null ? received : null);
        if (total is { } expected && received > expected)
        {
            throw StorageException.Invalid($"The upload has {received} bytes, more than the {expected} its Content-Range announced.");
        }
        return received == total ? await FinishAsync(context, session, received) : Incomplete(context, received);
    }

    /// <summary>The DELETE of a resumable session: cancelled, answered 499 as Cloud Storage does.</summary>
    public async Task<IResult> CancelResumableAsync(HttpContext context)
    {
        StorageRequests.RequireLocalBucket(context);
        var id = StorageRequests.Text(context, "upload_id");
        using var held = await sessions.LockAsync(sessions.Find(id)?.Id ?? throw NoSuchSession(id), context.RequestAborted);
        sessions.Cancel(sessions.Find(id) ?? throw NoSuchSession(id));
        return Results.StatusCode(499);
    }

    private async Task<IResult> MediaAsync(HttpContext context)
    {
        var upload = new ObjectUpload(
            StorageRequests.Text(context, "name") ?? throw Required(), context.Request.ContentType, null, StorageRequests.Int64(context, "ifGenerationMatch"));
        store.PathOf(upload.Name);
        return await CommitAsync(context, context.Request.Body, upload);
    }

    private async Task<IResult> MultipartAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var boundary = MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type)
            ? HeaderUtilities.RemoveQuotes(type.Boundary).Value : null;
        if (boundary is not { Length: > 0 })
        {
            throw StorageException.Invalid("A multipart upload needs a multipart/related body with a boundary.");
        }
        var reader = new MultipartReader(boundary, context.Request.Body) { BodyLengthLimit = null };
        var metadataPart = await reader.ReadNextSectionAsync(cancellationToken)
            ?? throw StorageException.Invalid("The multipart upload has no metadata part.");
        var metadata = await ReadMetadataAsync(metadataPart.Body, cancellationToken);
        var media = await reader.ReadNextSectionAsync(cancellationToken)
            ?? throw StorageException.Invalid("The multipart upload has no media part.");
        var upload = new ObjectUpload(
            StorageRequests.Text(context, "name") ?? metadata?.Name ?? throw Required(), metadata?.ContentType ?? media.ContentType,
            metadata?.Metadata, StorageRequests.Int64(context, "ifGenerationMatch"), metadata?.Md5Hash, metadata?.Crc32c);
        store.PathOf(upload.Name);
        return await CommitAsync(context, media.Body, upload);
    }

    private async Task<IResult> StartResumableAsync(HttpContext context)
    {
        var request = context.Request;
        var metadata = await ReadMetadataAsync(request.Body, context.RequestAborted);
        var declared = request.Headers["X-Upload-Content-Length"].FirstOrDefault() is { Length: > 0 } text
            ? long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var length) ? length
                : throw StorageException.Invalid($"Invalid X-Upload-Content-Length: '{text}'.")
            : (long?)null;
        var upload = new ObjectUpload(
            StorageRequests.Text(context, "name") ?? metadata?.Name ?? throw Required(),
            request.Headers["X-Upload-Content-Type"].FirstOrDefault() is { Length: > 0 } contentType ? contentType : metadata?.ContentType,
            metadata?.Metadata, StorageRequests.Int64(context, "ifGenerationMatch"), metadata?.Md5Hash, metadata?.Crc32c);
        var id = sessions.Start(upload, declared);
        context.Response.Headers.Location = $"{StorageRequests.Root(context)}/upload/storage/v1/b/{LocalBucketWatcher.BucketName}/o" +
            $"?uploadType=resumable&name={Uri.EscapeDataString(upload.Name)}&upload_id={id}";
        context.Response.Headers["X-GUploader-UploadID"] = id;
        return Results.Ok();
    }

    /// <summary>The last bytes of a session are in: the part file becomes the object (its hashes checked against <c>X-Goog-Hash</c>).</summary>
    private async Task<IResult> FinishAsync(HttpContext context, ResumableSession session, long received)
    {
        if (session.DeclaredLength is { } declared && declared != received)
        {
            throw StorageException.Invalid($"The upload has {received} bytes; its session declared {declared}.");
        }
        var upload = session.Upload;
        foreach (var pair in context.Request.Headers["X-Goog-Hash"].SelectMany(v => (v ?? "").Split(',')))
        {
            var equals = pair.IndexOf('=');
            var (kind, value) = equals < 0 ? (pair, "") : (pair[..equals].Trim(), pair[(equals + 1)..].Trim());
            upload = kind switch
            {
                "md5" => upload with { Md5Hash = value },
                "crc32c" => upload with { Crc32c = value },
                _ => upload,
            };
        }
        var stored = await store.CommitAsync(sessions.PartPath(session), upload, context.RequestAborted);
        sessions.Complete(session, stored.Generation);
        watcher.ObjectFinalized(stored);
        return Results.Json(StorageResources.Object(stored, StorageRequests.Root(context)), StorageResources.Json);
    }

    /// <summary>A completed session asked again: its object while it is still that generation, 410 once replaced or deleted.</summary>
    private async Task<IResult> CompletedAsync(HttpContext context, ResumableSession session, long generation)
    {
        var stored = await store.DescribeAsync(session.Upload.Name, context.RequestAborted);
        return stored?.Generation == generation
            ? Results.Json(StorageResources.Object(stored, StorageRequests.Root(context)), StorageResources.Json)
            : throw new StorageException(StatusCodes.Status410Gone, "gone",
                $"The upload completed as generation {generation} of {session.Upload.Name}, which is no longer the object's current generation.");
    }

    /// <summary>308 with the <c>Range</c> received so far (none when nothing was).</summary>
    private static IResult Incomplete(HttpContext context, long received)
    {
        if (received > 0)
        {
            context.Response.Headers.Range = FormattableString.Invariant($"bytes=0-{received - 1}");
        }
        return Results.StatusCode(StatusCodes.Status308PermanentRedirect);
    }

    /// <summary>Stages <paramref name="body"/>, commits it as the object's new generation and announces it; 200 with the object.</summary>
    private async Task<IResult> CommitAsync(HttpContext context, Stream body, ObjectUpload upload)
    {
        var staged = store.NewStagingPath();
        try
        {
            await using (var file = new FileStream(staged, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await body.CopyToAsync(file, context.RequestAborted);
            }
            var stored = await store.CommitAsync(staged, upload, context.RequestAborted);
            watcher.ObjectFinalized(stored);
            return Results.Json(StorageResources.Object(stored, StorageRequests.Root(context)), StorageResources.Json);
        }
        finally
        {
            File.Delete(staged);
        }
    }

    /// <summary>Copies <paramref name="body"/> to <paramref name="part"/>, dropping its first <paramref name="skip"/> bytes (already received) and stopping after <paramref name="length"/>.</summary>
    private static async Task AppendAsync(Stream body, Stream part, long skip, long? length, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        long seen = 0;
        while (length is null || seen < length)
        {
            var want = length is { } l ? (int)Math.Min(buffer.Length, l - seen) : buffer.Length;
            var read = await body.ReadAsync(buffer.AsMemory(0, want), cancellationToken);
            if (read == 0)
            {
                break;
            }
            var from = (int)Math.Clamp(skip - seen, 0, read);
            if (from < read)
            {
                await part.WriteAsync(buffer.AsMemory(from, read - from), cancellationToken);
            }
            seen += read;
        }
    }

    private static async Task<ObjectMetadata?> ReadMetadataAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length == 0)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<ObjectMetadata>(buffer.ToArray(), StorageResources.Json);
        }
        catch (JsonException e)
        {
            throw new StorageException(StatusCodes.Status400BadRequest, "parseError", $"The object metadata is not valid JSON: {e.Message}");
        }
    }

    private static StorageException Required() => new(StatusCodes.Status400BadRequest, "required", "The object name is required (name in the query or the metadata).");

    private static StorageException NoSuchSession(string? id) =>
        new(StatusCodes.Status404NotFound, "notFound", $"No such resumable upload session: {id}.");
}

namespace Pipeline.Local.Storage;

/// <summary>
/// The Cloud Storage JSON API on the stack's port, for <c>STORAGE_EMULATOR_HOST=http://127.0.0.1:&lt;port&gt;</c>, over the
/// local bucket (<see cref="BucketStore"/>). Metadata calls are served under <c>/storage/v1</c> and also at the root
/// (<c>/b/…</c>: the Node.js client sends them there when the variable is set), downloads also under
/// <c>/download/storage/v1</c>, uploads under <c>/upload/storage/v1</c>. Any other call under those paths is answered
/// 501 in the API's error shape. Served only with the DuckDB warehouse (with BigQuery there is no local bucket).
/// </summary>
public static class StorageJsonApi
{
    /// <summary>Registers the bucket store, the resumable sessions and the endpoints' handlers.</summary>
    public static IServiceCollection AddStorageJsonApi(this IServiceCollection services) => services
        .AddSingleton<BucketStore>()
        .AddSingleton<ResumableUploads>()
        .AddSingleton<ObjectEndpoints>()
        .AddSingleton<UploadEndpoints>();

    /// <summary>Maps the routes (nothing when <see cref="AddStorageJsonApi"/> was not called).</summary>
    public static void MapStorageJsonApi(this WebApplication app)
    {
        if (app.Services.GetService<ObjectEndpoints>() is not { } objects)
        {
            return;
        }
        var uploads = app.Services.GetRequiredService<UploadEndpoints>();
        foreach (var root in new[] { "/storage/v1", "" })
        {
            app.MapGet($"{root}/b", StorageRequests.Guarded(objects.ListBucketsAsync));
            app.MapGet($"{root}/b/{{bucket}}", StorageRequests.Guarded(objects.GetBucketAsync));
            app.MapGet($"{root}/b/{{bucket}}/o", StorageRequests.Guarded(objects.ListObjectsAsync));
            app.MapGet($"{root}/b/{{bucket}}/o/{{**name}}", StorageRequests.Guarded(objects.GetObjectAsync));
            app.MapDelete($"{root}/b/{{bucket}}/o/{{**name}}", StorageRequests.Guarded(objects.DeleteObjectAsync));
        }
        app.MapGet("/download/storage/v1/b/{bucket}/o/{**name}", StorageRequests.Guarded(objects.DownloadAsync));
        app.MapPost("/upload/storage/v1/b/{bucket}/o", StorageRequests.Guarded(uploads.InsertAsync));
        app.MapPut("/upload/storage/v1/b/{bucket}/o", StorageRequests.Guarded(uploads.ContinueResumableAsync));
        app.MapDelete("/upload/storage/v1/b/{bucket}/o", StorageRequests.Guarded(uploads.CancelResumableAsync));
        foreach (var prefix in new[] { "/storage/v1", "/b", "/download/storage/v1", "/upload/storage/v1" })
        {
            app.Map($"{prefix}/{{**rest}}", (HttpContext context) => StorageError.Of(new StorageException(StatusCodes.Status501NotImplemented,
                "notImplemented", $"{context.Request.Method} {context.Request.Path} is not served by the local stack's Cloud Storage JSON API.")));
        }
    }
}

using Pipeline.Local.Bucket;

namespace Pipeline.Local.Storage;

/// <summary>
/// A request the local bucket refuses, answered in the JSON API's error shape
/// (<c>{"error": {"code", "message", "errors": [{"domain", "reason", "message"}]}}</c>, <see cref="StorageError"/>).
/// </summary>
/// <param name="status">The HTTP status.</param>
/// <param name="reason">The JSON API's reason: <c>notFound</c>, <c>invalid</c>, <c>required</c>, <c>conditionNotMet</c>, …</param>
/// <param name="message">What went wrong, in words.</param>
public sealed class StorageException(int status, string reason, string message) : Exception(message)
{
    /// <summary>The HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>The JSON API's reason.</summary>
    public string Reason { get; } = reason;

    /// <summary>400 invalid.</summary>
    public static StorageException Invalid(string message) => new(StatusCodes.Status400BadRequest, "invalid", message);

    /// <summary>404 notFound for an object of the local bucket.</summary>
    public static StorageException NoSuchObject(string name) =>
        new(StatusCodes.Status404NotFound, "notFound", $"No such object: {LocalBucketWatcher.BucketName}/{name}");

    /// <summary>412 conditionNotMet.</summary>
    public static StorageException ConditionNotMet(string message) => new(StatusCodes.Status412PreconditionFailed, "conditionNotMet", message);
}

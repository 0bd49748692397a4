namespace Pipeline.Hosting.Events;

/// <summary>
/// The data of a <c>google.cloud.storage.object.v1.*</c> CloudEvent (google.events.cloud.storage.v1.StorageObjectData).
/// int64 fields arrive as JSON strings or numbers; both are read.
/// </summary>
public sealed class StorageObjectData
{
    public string? Bucket { get; set; }

    public string? Name { get; set; }

    public long? Generation { get; set; }

    public long? Metageneration { get; set; }

    public long? Size { get; set; }

    public string? ContentType { get; set; }

    public string? ContentEncoding { get; set; }

    public string? StorageClass { get; set; }

    public string? Id { get; set; }

    public string? Etag { get; set; }

    public string? Md5Hash { get; set; }

    public string? Crc32c { get; set; }

    public string? Kind { get; set; }

    public string? SelfLink { get; set; }

    public string? MediaLink { get; set; }

    public DateTimeOffset? TimeCreated { get; set; }

    public DateTimeOffset? Updated { get; set; }

    public DateTimeOffset? TimeDeleted { get; set; }

    public Dictionary<string, string>? Metadata { get; set; }
}

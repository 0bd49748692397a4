namespace Pipeline.Local.Storage;

/// <summary>What an upload asks for, besides its bytes: the object resource fields the client sent and its preconditions.</summary>
/// <param name="Name">The object name.</param>
/// <param name="ContentType">The media type; <c>application/octet-stream</c> when none is given.</param>
/// <param name="Metadata">User metadata.</param>
/// <param name="IfGenerationMatch">The <c>ifGenerationMatch</c> precondition: the object's current generation, 0 for "does not exist".</param>
/// <param name="Md5Hash">The MD5 the client says the bytes have (base64), checked at commit.</param>
/// <param name="Crc32c">The CRC32C the client says the bytes have (base64), checked at commit.</param>
public sealed record ObjectUpload(
    string Name, string? ContentType, IReadOnlyDictionary<string, string>? Metadata, long? IfGenerationMatch,
    string? Md5Hash = null, string? Crc32c = null)
{
    /// <summary>The media type an object without one gets.</summary>
    public const string DefaultContentType = "application/octet-stream";

    /// <summary>Throws 400 when a hash the client sent differs from the bytes received.</summary>
    public void Verify(ObjectHashes received)
    {
        if (Md5Hash is { Length: > 0 } md5 && md5 != received.Md5Hash)
        {
            throw StorageException.Invalid($"Provided MD5 hash \"{md5}\" doesn't match calculated MD5 hash \"{received.Md5Hash}\".");
        }
        if (Crc32c is { Length: > 0 } crc && crc != received.Crc32c)
        {
            throw StorageException.Invalid($"Provided CRC32C \"{crc}\" doesn't match calculated CRC32C \"{received.Crc32c}\".");
        }
    }
}

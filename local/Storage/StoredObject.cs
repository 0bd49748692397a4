namespace Pipeline.Local.Storage;

/// <summary>
/// One object of the local bucket as its metadata record keeps it: the JSON API's object resource fields, and the
/// file version (<see cref="File"/>) the record describes. A file whose length or modification time no longer match
/// is a new version of the object, and gets a new record and generation.
/// </summary>
/// <param name="Name">The object name, <c>/</c>-separated (the file's path under the bucket directory).</param>
/// <param name="Generation">The content generation: µs since the Unix epoch, increasing for each version of a name.</param>
/// <param name="Metageneration">The metadata version at this generation (always 1: metadata is not patched).</param>
/// <param name="Size">The object's bytes.</param>
/// <param name="ContentType">The media type given at upload, or guessed from the name for a dropped file.</param>
/// <param name="Md5Hash">MD5 of the bytes, base64.</param>
/// <param name="Crc32c">CRC32C of the bytes, base64 of its four big-endian bytes.</param>
/// <param name="TimeCreated">When this generation was created.</param>
/// <param name="Metadata">User metadata given at upload, if any.</param>
/// <param name="File">The file version the record describes.</param>
public sealed record StoredObject(
    string Name, long Generation, long Metageneration, long Size, string ContentType, string Md5Hash, string Crc32c,
    DateTimeOffset TimeCreated, IReadOnlyDictionary<string, string>? Metadata, ObjectFile File)
{
    /// <summary>The generation a file gets when nothing else fixes it: its modification time in µs since the Unix epoch.</summary>
    public static long GenerationAt(DateTimeOffset at) => (at.UtcTicks - DateTime.UnixEpoch.Ticks) / 10;

    /// <summary>The instant a generation stands for (the inverse of <see cref="GenerationAt"/>).</summary>
    public static DateTimeOffset InstantOf(long generation) => new(DateTime.UnixEpoch.Ticks + generation * 10, TimeSpan.Zero);
}

/// <summary>What the watcher and the store compare to tell file versions apart: length and modification time.</summary>
/// <param name="Length">The file's length in bytes.</param>
/// <param name="ModifiedUtc">The file's last write time, UTC.</param>
public readonly record struct ObjectFile(long Length, DateTime ModifiedUtc)
{
    /// <summary>The file's version now, or null when there is no file at <paramref name="path"/>.</summary>
    public static ObjectFile? At(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists ? new ObjectFile(info.Length, info.LastWriteTimeUtc) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Pipeline.Local.Storage;

/// <summary>
/// The local bucket: one directory (<c>&lt;data-dir&gt;/bucket/</c>) holding the objects as plain files, behind both the
/// JSON API and the bucket watcher, plus one small metadata record per object in <c>&lt;data-dir&gt;/bucket-metadata/</c>
/// (<c>&lt;sha-256 of the name&gt;.json</c>: generation, metageneration, content type, MD5, CRC32C, creation time, and the
/// file's length and modification time it describes), so an object's generation survives restarts. A file without a
/// record (dropped into the directory) gets one when first seen, its generation its modification time in µs; a file
/// whose bytes changed (length, MD5 or CRC32C) is a new version and gets a new record, while one written again with
/// the same bytes keeps its generation (an upload through the API is always a new generation, as in Cloud Storage). Uploads are staged in
/// <c>&lt;data-dir&gt;/bucket-uploads/</c> and moved into place whole, after their record is written.
/// </summary>
public sealed class BucketStore
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>Held while a record and its file change together, so a version is described once, by one generation.</summary>
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _clock;

    /// <summary>The store of <paramref name="options"/>' data directory; creates its directories.</summary>
    public BucketStore(LocalOptions options, TimeProvider clock)
    {
        _clock = clock;
        Root = Path.GetFullPath(options.BucketDir);
        MetadataDirectory = Path.GetFullPath(Path.Combine(options.DataDir, "bucket-metadata"));
        UploadDirectory = Path.GetFullPath(Path.Combine(options.DataDir, "bucket-uploads"));
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(MetadataDirectory);
        Directory.CreateDirectory(UploadDirectory);
    }

    /// <summary>The bucket directory: the user's files, and nothing else.</summary>
    public string Root { get; }

    /// <summary>Where the objects' metadata records are.</summary>
    public string MetadataDirectory { get; }

    /// <summary>Where uploads are staged until they complete (and resumable sessions are kept).</summary>
    public string UploadDirectory { get; }

    /// <summary>The file that holds <paramref name="name"/>; 400 for a name the directory cannot hold.</summary>
    public string PathOf(string name) =>
        ObjectNames.Problem(name) is { } problem ? throw StorageException.Invalid(problem) : ObjectNames.PathOf(Root, name);

    /// <summary>The name of every object there is now, in no order (files whose path is no object name are skipped).</summary>
    public IEnumerable<string> Names()
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true };
        foreach (var path in Directory.EnumerateFiles(Root, "*", options))
        {
            if (ObjectNames.NameOf(Root, path) is { } name)
            {
                yield return name;
            }
        }
    }

    /// <summary>
    /// The object's current version, its record written first if need be (hashing the file); null when there is no
    /// such object. 503 when the file keeps changing while it is read.
    /// </summary>
    public async Task<StoredObject?> DescribeAsync(string name, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (ObjectFile.At(path) is not { } seen)
            {
                return null;
            }
            if (await DescribeAsync(name, seen, cancellationToken) is { } stored)
            {
                return stored;
            }
        }
        throw new StorageException(StatusCodes.Status503ServiceUnavailable, "backendError", $"{name} is being written; try again once it is complete.");
    }

    /// <summary>
    /// The record of the version <paramref name="seen"/> of an object, written first if there is none (hashing the
    /// file outside the gate); null when the file is no longer that version.
    /// </summary>
    public async Task<StoredObject?> DescribeAsync(string name, ObjectFile seen, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        if (ReadRecord(name) is { } known && known.File == seen)
        {
            return known;
        }
        ObjectHashes hashes;
        try
        {
            hashes = await ObjectHashes.OfFileAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (ObjectFile.At(path) != seen)
            {
                return null;
            }
            var previous = ReadRecord(name);
            if (previous is not null && previous.File == seen)
            {
                return previous;
            }
            if (previous is not null && previous.Size == seen.Length && previous.Md5Hash == hashes.Md5Hash && previous.Crc32c == hashes.Crc32c)
            {
                // The same bytes written again (a copy after a `load`, a touch): the same version, by its generation.
                var same = previous with { File = seen };
                WriteRecord(same);
                return same;
            }
            var generation = GenerationOf(seen, previous);
            var stored = new StoredObject(name, generation, 1, seen.Length, ObjectNames.GuessContentType(name),
                hashes.Md5Hash, hashes.Crc32c, new DateTimeOffset(seen.ModifiedUtc, TimeSpan.Zero), null, seen);
            WriteRecord(stored);
            return stored;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The object's current version and its bytes, opened as that version (a later upload replaces the file, not
    /// what the open stream reads); null when there is no such object.
    /// </summary>
    public async Task<(StoredObject Object, FileStream Content)?> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (await DescribeAsync(name, cancellationToken) is not { } stored)
            {
                return null;
            }
            FileStream content;
            try
            {
                content = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                continue;
            }
            if (new ObjectFile(content.Length, File.GetLastWriteTimeUtc(content.SafeFileHandle)) == stored.File)
            {
                return (stored, content);
            }
            await content.DisposeAsync();
        }
        throw new StorageException(StatusCodes.Status503ServiceUnavailable, "backendError", $"{name} is being written; try again once it is complete.");
    }

    /// <summary>A fresh path in <see cref="UploadDirectory"/> to stage an upload's bytes in.</summary>
    public string NewStagingPath() => Path.Combine(UploadDirectory, $"{Guid.NewGuid():N}.staged");

    /// <summary>
    /// Makes the staged file <paramref name="staged"/> the object's new version: checks the client's hashes and its
    /// <c>ifGenerationMatch</c> (412), gives it a generation newer than any the name had (µs now, as its modification
    /// time too), writes its record, then moves the file into place in one rename. Returns the new version.
    /// </summary>
    public async Task<StoredObject> CommitAsync(string staged, ObjectUpload upload, CancellationToken cancellationToken)
    {
        var path = PathOf(upload.Name);
        var hashes = await ObjectHashes.OfFileAsync(staged, cancellationToken);
        upload.Verify(hashes);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var previous = ReadRecord(upload.Name);
            var current = ObjectFile.At(path) is { } file ? (previous?.File == file ? previous.Generation : GenerationOf(file, previous)) : 0;
            if (upload.IfGenerationMatch is { } expected && expected != current)
            {
                throw StorageException.ConditionNotMet(
                    $"At least one of the pre-conditions you specified did not hold: ifGenerationMatch={expected}, the object's generation is {current}.");
            }
            var generation = Math.Max(StoredObject.GenerationAt(_clock.GetUtcNow()), Math.Max(current, previous?.Generation ?? 0) + 1);
            var at = StoredObject.InstantOf(generation);
            File.SetLastWriteTimeUtc(staged, at.UtcDateTime);
            var stored = new StoredObject(upload.Name, generation, 1, new FileInfo(staged).Length,
                upload.ContentType is { Length: > 0 } type ? type : ObjectUpload.DefaultContentType,
                hashes.Md5Hash, hashes.Crc32c, at, upload.Metadata, ObjectFile.At(staged)!.Value);
            // The record first: whoever sees the new file finds the generation this upload answers with.
            WriteRecord(stored);
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.Move(staged, path, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                RestoreRecord(upload.Name, previous);
                throw new StorageException(StatusCodes.Status409Conflict, "conflict",
                    $"The local bucket directory cannot hold {upload.Name} ({e.Message}): an object name cannot also be a 'directory' of other objects there.");
            }
            return stored;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Copies the local file <paramref name="source"/> in as the object <paramref name="name"/>, as an upload would (staged,
    /// hashed, a new generation, moved into place whole), unless the object already holds the same bytes (length, MD5
    /// and CRC32C): then it is left as it is, at its generation. Returns the object's version and whether it is new.
    /// </summary>
    public async Task<(StoredObject Object, bool Created)> PutFileAsync(string name, string source, CancellationToken cancellationToken)
    {
        var hashes = await ObjectHashes.OfFileAsync(source, cancellationToken);
        if (await DescribeAsync(name, cancellationToken) is { } current
            && current.Size == new FileInfo(source).Length && current.Md5Hash == hashes.Md5Hash && current.Crc32c == hashes.Crc32c)
        {
            return (current, false);
        }
        var staged = NewStagingPath();
        try
        {
            File.Copy(source, staged);
            return (await CommitAsync(staged, new ObjectUpload(name, ObjectNames.GuessContentType(name), null, null, hashes.Md5Hash, hashes.Crc32c), cancellationToken), true);
        }
        finally
        {
            File.Delete(staged);
        }
    }

    /// <summary>Deletes the object's file and record; false when there is no such object. 412 when <paramref name="ifGenerationMatch"/> does not hold.</summary>
    public async Task<bool> DeleteAsync(string name, long? ifGenerationMatch, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var record = ReadRecord(name);
            if (ObjectFile.At(path) is not { } file)
            {
                return false;
            }
            var current = record?.File == file ? record.Generation : GenerationOf(file, record);
            if (ifGenerationMatch is { } expected && expected != current)
            {
                throw StorageException.ConditionNotMet(
                    $"At least one of the pre-conditions you specified did not hold: ifGenerationMatch={expected}, the object's generation is {current}.");
            }
            File.Delete(path);
            DeleteRecord(name);
            RemoveEmptyDirectories(Path.GetDirectoryName(path)!);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A dropped version's generation: its modification time in µs, but always newer than the name's last one.</summary>
    private static long GenerationOf(ObjectFile file, StoredObject? previous) =>
        Math.Max(StoredObject.GenerationAt(new DateTimeOffset(file.ModifiedUtc, TimeSpan.Zero)), (previous?.Generation ?? 0) + 1);

    private string RecordPath(string name) =>
        Path.Combine(MetadataDirectory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name))) + ".json");

    private StoredObject? ReadRecord(string name)
    {
        try
        {
            var record = JsonSerializer.Deserialize<StoredObject>(File.ReadAllBytes(RecordPath(name)), s_json);
            return record?.Name == name ? record : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            // No record, or one cut short: the file is described afresh.
            return null;
        }
    }

    private void WriteRecord(StoredObject stored)
    {
        var path = RecordPath(stored.Name);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(stored, s_json));
        File.Move(temporary, path, overwrite: true);
    }

    private void RestoreRecord(string name, StoredObject? previous)
    {
        if (previous is null)
        {
            DeleteRecord(name);
        }
        else
        {
            WriteRecord(previous);
        }
    }

    private void DeleteRecord(string name) => File.Delete(RecordPath(name));

    /// <summary>Objects have no directories: one left empty by a delete goes too (up to, not including, the bucket directory).</summary>
    private void RemoveEmptyDirectories(string directory)
    {
        while (directory.Length > Root.Length && directory.StartsWith(Root, StringComparison.Ordinal))
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(directory).Any())
                {
                    return;
                }
                Directory.Delete(directory);
            }
            catch (IOException)
            {
                return;
            }
            directory = Path.GetDirectoryName(directory)!;
        }
    }
}

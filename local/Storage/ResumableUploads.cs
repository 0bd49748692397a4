using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pipeline.Local.Storage;

/// <summary>
/// Resumable upload sessions, kept on disk in <see cref="BucketStore.UploadDirectory"/> so they survive a restart:
/// <c>&lt;upload_id&gt;.json</c> (what the upload asked for, and the generation once complete) and
/// <c>&lt;upload_id&gt;.part</c> (the bytes received so far, in order). One request at a time writes a session.
/// </summary>
public sealed partial class ResumableUploads(BucketStore store)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private readonly Dictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <summary>Starts a session for <paramref name="upload"/> (the object's length when declared) and returns its id.</summary>
    public string Start(ObjectUpload upload, long? declaredLength)
    {
        store.PathOf(upload.Name);
        var id = Guid.NewGuid().ToString("N");
        File.WriteAllBytes(PartPath(id), []);
        Save(new ResumableSession(id, upload, declaredLength, CompletedGeneration: null));
        return id;
    }

    /// <summary>The session <paramref name="id"/>, or null when there is none (or the id is not one this store gives).</summary>
    public ResumableSession? Find(string? id)
    {
        if (id is null || !IdForm().IsMatch(id))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<ResumableSession>(File.ReadAllBytes(SessionPath(id)), s_json);
        }
        catch (Exception e) when (e is FileNotFoundException or JsonException)
        {
            return null;
        }
    }

    /// <summary>How many bytes of the session were received.</summary>
    public long Received(ResumableSession session) => File.Exists(PartPath(session.Id)) ? new FileInfo(PartPath(session.Id)).Length : 0;

    /// <summary>The file the session's bytes are appended to.</summary>
    public string PartPath(ResumableSession session) => PartPath(session.Id);

    /// <summary>Records that the session completed as <paramref name="generation"/> (its bytes were moved into the bucket).</summary>
    public void Complete(ResumableSession session, long generation) => Save(session with { CompletedGeneration = generation });

    /// <summary>Cancels a session: its bytes and record go.</summary>
    public void Cancel(ResumableSession session)
    {
        File.Delete(PartPath(session.Id));
        File.Delete(SessionPath(session.Id));
    }

    /// <summary>Holds session <paramref name="id"/> for one request; dispose to release it.</summary>
    public async Task<IDisposable> LockAsync(string id, CancellationToken cancellationToken)
    {
        SemaphoreSlim gate;
        lock (_locks)
        {
            if (!_locks.TryGetValue(id, out gate!))
            {
                _locks[id] = gate = new SemaphoreSlim(1, 1);
            }
        }
        await gate.WaitAsync(cancellationToken);
        return new Release(gate);
    }

    private void Save(ResumableSession session)
    {
        var path = SessionPath(session.Id);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(session, s_json));
        File.Move(temporary, path, overwrite: true);
    }

    private string SessionPath(string id) => Path.Combine(store.UploadDirectory, id + ".json");

    private string PartPath(string id) => Path.Combine(store.UploadDirectory, id + ".part");

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex IdForm();

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}

/// <summary>One resumable upload session.</summary>
/// <param name="Id">The <c>upload_id</c>.</param>
/// <param name="Upload">What the upload asked for.</param>
/// <param name="DeclaredLength">The object's length, when the session's start declared it (<c>X-Upload-Content-Length</c>).</param>
/// <param name="CompletedGeneration">The generation the upload completed as; null while it is open.</param>
public sealed record ResumableSession(string Id, ObjectUpload Upload, long? DeclaredLength, long? CompletedGeneration);

using System.Text.Json;

namespace Pipeline.Local.PubSub;

/// <summary>
/// A message its function never acknowledged, after every retry or when the stack stopped mid-delivery: kept, with
/// why, so it can be replayed.
/// </summary>
public sealed record DeadLetteredMessage(
    string Topic, string MessageId, string? Data, Dictionary<string, string>? Attributes,
    DateTimeOffset PublishTime, int Attempts, int LastStatus, DateTimeOffset FailedAt);

/// <summary>
/// Appends undeliverable messages to <c>&lt;data-dir&gt;/dead-letter/&lt;topic&gt;.ndjson</c>, flushed to disk before
/// returning, so a message that never succeeds is never dropped.
/// </summary>
public sealed class UndeliveredMessageStore(string directory) : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>The directory holding one <c>&lt;topic&gt;.ndjson</c> file per topic.</summary>
    public string Directory { get; } = directory;

    /// <summary>Appends the message to its topic's file and flushes it to disk.</summary>
    public async Task KeepAsync(DeadLetteredMessage message, CancellationToken cancellationToken)
    {
        var line = JsonSerializer.SerializeToUtf8Bytes(message, JsonSerializerOptions.Web);
        await _lock.WaitAsync(cancellationToken);
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            await using var file = new FileStream(PathOf(message.Topic), FileMode.Append, FileAccess.Write, FileShare.Read);
            await file.WriteAsync(line, cancellationToken);
            file.WriteByte((byte)'\n');
            file.Flush(flushToDisk: true);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Every kept message, oldest first.</summary>
    public async Task<IReadOnlyList<DeadLetteredMessage>> ListAsync(CancellationToken cancellationToken)
    {
        var messages = new List<DeadLetteredMessage>();
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (!System.IO.Directory.Exists(Directory))
            {
                return messages;
            }
            foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.ndjson").Order())
            {
                foreach (var line in await File.ReadAllLinesAsync(file, cancellationToken))
                {
                    if (line.Length > 0 && JsonSerializer.Deserialize<DeadLetteredMessage>(line, JsonSerializerOptions.Web) is { } message)
                    {
                        messages.Add(message);
                    }
                }
            }
            return messages;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _lock.Dispose();

    private string PathOf(string topic) => Path.Combine(Directory, string.Concat(topic.Split(Path.GetInvalidFileNameChars())) + ".ndjson");
}

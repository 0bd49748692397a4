using System.Collections.Concurrent;
using Pipeline.Domain.Backfill;

namespace Pipeline.Tests.Fixtures;

/// <summary>A bucket in memory: the object source of a warehouse under test. An object not put here does not exist.</summary>
public sealed class MemoryObjects : IObjectSource
{
    private readonly ConcurrentDictionary<(string Uri, long Generation), byte[]> _objects = new();

    public void Put(string objectUri, long generation, byte[] content) => _objects[(objectUri, generation)] = content;

    public Task<Stream> OpenReadAsync(CsvLoad load, CancellationToken cancellationToken) =>
        _objects.TryGetValue((load.ObjectUri, load.Generation), out var content)
            ? Task.FromResult<Stream>(new MemoryStream(content, writable: false))
            : throw new FileNotFoundException($"{load.ObjectUri}#{load.Generation} is not in the bucket");
}

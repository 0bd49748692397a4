using System.Collections.Concurrent;
using CloudNative.CloudEvents;
using Pipeline.Events.Protobuf;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;
using Pipeline.Events.Protobuf.Cloud.Storage.V1;
using Pipeline.Functions.Framework;
using Pipeline.Functions.Hosting;

namespace Pipeline.Tests.Hosting;

/// <summary>What a test function received.</summary>
public sealed class Recorder
{
    public ConcurrentQueue<(CloudEvent Event, MessagePublishedData Data)> Calls { get; } = new();

    public bool Throw { get; set; }
}

/// <summary>A CloudEvent function that records each call, or throws when told to.</summary>
public sealed class RecordingFunction(Recorder recorder) : ICloudEventFunction<MessagePublishedData>
{
    public Task HandleAsync(CloudEvent cloudEvent, MessagePublishedData data, CancellationToken cancellationToken)
    {
        if (recorder.Throw)
        {
            throw new InvalidOperationException("function failed");
        }
        recorder.Calls.Enqueue((cloudEvent, data));
        return Task.CompletedTask;
    }
}

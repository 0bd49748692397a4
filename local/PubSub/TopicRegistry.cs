using System.Collections.Concurrent;
using Grpc.Core;
using Pipeline.Local.PubSub.V1;

namespace Pipeline.Local.PubSub;

/// <summary>
/// The topics of this process. The product topics (one per function trigger in <see cref="LocalFunctions.ByTopic"/>)
/// exist in the configured project only (<see cref="LocalOptions.Project"/>, as deployed there) and cannot be created
/// again nor deleted: they are the stack's wiring. Other topics, in any project, are created by <c>CreateTopic</c>
/// (up to <see cref="PublishLimits.MaxTopicsPerProject"/> a project) until <c>DeleteTopic</c>; no function listens to
/// them, so what is published to them is dropped (<see cref="LocalPubSub"/>).
/// </summary>
public sealed class TopicRegistry(LocalFunctions functions, LocalOptions options)
{
    private readonly ConcurrentDictionary<TopicName, Topic> _created = new();
    private readonly Lock _creating = new();
    private readonly Dictionary<string, int> _createdPerProject = [];

    /// <summary>The function <paramref name="topic"/> triggers, if it is a product topic.</summary>
    public bool TryGetFunction(TopicName topic, out string functionName)
    {
        functionName = "";
        return topic.Project == options.Project && functions.ByTopic.TryGetValue(topic.Topic, out functionName!);
    }

    /// <summary>Whether the topic exists: a product topic, or one created and not deleted.</summary>
    public bool Exists(TopicName topic) => IsProductTopic(topic) || _created.ContainsKey(topic);

    /// <summary>The topic resource; null if it does not exist.</summary>
    public Topic? Find(TopicName topic) =>
        _created.TryGetValue(topic, out var created) ? created.Clone()
        : IsProductTopic(topic) ? new Topic { Name = topic.ToString() }
        : null;

    /// <summary>
    /// Creates the topic as given (its name already checked): ALREADY_EXISTS if it exists, INVALID_ARGUMENT for a
    /// retention outside Pub/Sub's bounds, RESOURCE_EXHAUSTED when its project holds as many topics as it may.
    /// </summary>
    public PubSubRefusal? Create(TopicName name, Topic topic)
    {
        var retention = topic.MessageRetentionDuration?.ToTimeSpan();
        if (PublishLimits.CheckRetention(retention) is { } refusal)
        {
            return refusal;
        }
        var stored = topic.Clone();
        stored.Name = name.ToString();
        lock (_creating)
        {
            if (Exists(name))
            {
                return new PubSubRefusal(StatusCode.AlreadyExists, $"Topic already exists (resource={name.Topic}).");
            }
            var count = _createdPerProject.GetValueOrDefault(name.Project) + (name.Project == options.Project ? functions.ByTopic.Count : 0);
            if (count >= PublishLimits.MaxTopicsPerProject)
            {
                return new PubSubRefusal(StatusCode.ResourceExhausted,
                    $"Your project has exceeded a limit: (type=\"topics-per-project\", current={PublishLimits.MaxTopicsPerProject}, maximum={PublishLimits.MaxTopicsPerProject}).");
            }
            _created[name] = stored;
            _createdPerProject[name.Project] = _createdPerProject.GetValueOrDefault(name.Project) + 1;
            return null;
        }
    }

    /// <summary>Deletes a created topic: NOT_FOUND if it does not exist, FAILED_PRECONDITION for a product topic.</summary>
    public PubSubRefusal? Delete(TopicName topic)
    {
        if (TryGetFunction(topic, out var functionName))
        {
            return new PubSubRefusal(StatusCode.FailedPrecondition,
                $"Topic {topic.Topic} triggers {functionName} in the local stack; it cannot be deleted.");
        }
        lock (_creating)
        {
            if (!_created.TryRemove(topic, out _))
            {
                return PubSubRefusal.TopicNotFound(topic);
            }
            _createdPerProject[topic.Project]--;
            return null;
        }
    }

    /// <summary>The topics of <paramref name="project"/>, by name.</summary>
    public IReadOnlyList<Topic> List(string project) =>
        (project == options.Project ? functions.ByTopic.Keys : [])
            .Select(topic => new Topic { Name = new TopicName(project, topic).ToString() })
            .Concat(_created.Where(entry => entry.Key.Project == project).Select(entry => entry.Value.Clone()))
            .OrderBy(topic => topic.Name, StringComparer.Ordinal)
            .ToList();

    private bool IsProductTopic(TopicName topic) => TryGetFunction(topic, out _);
}

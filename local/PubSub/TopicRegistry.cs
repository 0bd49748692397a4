using System.Collections.Concurrent;
using Grpc.Core;
using Pipeline.Local.PubSub.V1;

namespace Pipeline.Local.PubSub;

/// <summary>
/// The topics of this process. The product topics (one per function trigger in <see cref="LocalFunctions.ByTopic"/>)
/// exist in every project and cannot be created again nor deleted: they are the stack's wiring. Other topics are
/// created by <c>CreateTopic</c>, per project, until <c>DeleteTopic</c>; no function listens to them, so what is
/// published to them is kept (<see cref="LocalPubSub"/>).
/// </summary>
public sealed class TopicRegistry(LocalFunctions functions)
{
    private readonly ConcurrentDictionary<TopicName, Topic> _created = new();

    /// <summary>The function <paramref name="topic"/> triggers, if it is a product topic.</summary>
    public bool TryGetFunction(TopicName topic, out string functionName) => functions.ByTopic.TryGetValue(topic.Topic, out functionName!);

    /// <summary>Whether the topic exists: a product topic, or one created and not deleted.</summary>
    public bool Exists(TopicName topic) => functions.ByTopic.ContainsKey(topic.Topic) || _created.ContainsKey(topic);

    /// <summary>The topic resource; null if it does not exist.</summary>
    public Topic? Find(TopicName topic) =>
        _created.TryGetValue(topic, out var created) ? created.Clone()
        : functions.ByTopic.ContainsKey(topic.Topic) ? new Topic { Name = topic.ToString() }
        : null;

    /// <summary>Creates the topic as given (its name already checked); ALREADY_EXISTS if it exists.</summary>
    public PubSubRefusal? Create(TopicName name, Topic topic)
    {
        var stored = topic.Clone();
        stored.Name = name.ToString();
        return !functions.ByTopic.ContainsKey(name.Topic) && _created.TryAdd(name, stored)
            ? null
            : new PubSubRefusal(StatusCode.AlreadyExists, $"Topic already exists (resource={name.Topic}).");
    }

    /// <summary>Deletes a created topic: NOT_FOUND if it does not exist, FAILED_PRECONDITION for a product topic.</summary>
    public PubSubRefusal? Delete(TopicName topic)
    {
        if (functions.ByTopic.TryGetValue(topic.Topic, out var functionName))
        {
            return new PubSubRefusal(StatusCode.FailedPrecondition,
                $"Topic {topic.Topic} triggers {functionName} in the local stack; it cannot be deleted.");
        }
        return _created.TryRemove(topic, out _) ? null : PubSubRefusal.TopicNotFound(topic);
    }

    /// <summary>The topics of <paramref name="project"/>, by name.</summary>
    public IReadOnlyList<Topic> List(string project) =>
        functions.ByTopic.Keys.Select(topic => new Topic { Name = new TopicName(project, topic).ToString() })
            .Concat(_created.Where(entry => entry.Key.Project == project).Select(entry => entry.Value.Clone()))
            .OrderBy(topic => topic.Name, StringComparer.Ordinal)
            .ToList();
}

using System.Diagnostics.CodeAnalysis;
using Grpc.Core;

namespace Pipeline.Local.PubSub;

/// <summary>
/// A topic's name, <c>projects/{project}/topics/{topic}</c>, checked by Pub/Sub's naming rule for topic ids: 3 to 255
/// characters, starting with a letter, of letters, digits and <c>- _ . ~ + %</c>, and not starting with <c>goog</c>.
/// </summary>
/// <param name="Project">The project id.</param>
/// <param name="Topic">The topic id.</param>
public readonly record struct TopicName(string Project, string Topic)
{
    private const string ProjectsPrefix = "projects/";
    private const string TopicsSegment = "/topics/";

    /// <summary>The full name: <c>projects/{project}/topics/{topic}</c>.</summary>
    public override string ToString() => $"{ProjectsPrefix}{Project}{TopicsSegment}{Topic}";

    /// <summary>Parses a full name; otherwise <paramref name="refusal"/> is INVALID_ARGUMENT, naming it.</summary>
    public static bool TryParse(string? fullName, out TopicName name, [NotNullWhen(false)] out PubSubRefusal? refusal)
    {
        name = default;
        var text = fullName ?? "";
        var split = text.StartsWith(ProjectsPrefix, StringComparison.Ordinal) ? text.IndexOf(TopicsSegment, ProjectsPrefix.Length, StringComparison.Ordinal) : -1;
        if (split < 0)
        {
            refusal = Malformed(text);
            return false;
        }
        return TryCreate(text[ProjectsPrefix.Length..split], text[(split + TopicsSegment.Length)..], out name, out refusal);
    }

    /// <summary>The name of topic <paramref name="topic"/> in <paramref name="project"/>; otherwise INVALID_ARGUMENT.</summary>
    public static bool TryCreate(string project, string topic, out TopicName name, [NotNullWhen(false)] out PubSubRefusal? refusal)
    {
        name = new TopicName(project, topic);
        if (!IsProjectId(project) || !IsTopicId(topic))
        {
            refusal = Malformed(name.ToString());
            return false;
        }
        refusal = null;
        return true;
    }

    /// <summary>The project id of <c>projects/{project}</c>; otherwise INVALID_ARGUMENT.</summary>
    public static bool TryParseProject(string? fullName, out string project, [NotNullWhen(false)] out PubSubRefusal? refusal)
    {
        var text = fullName ?? "";
        project = text.StartsWith(ProjectsPrefix, StringComparison.Ordinal) ? text[ProjectsPrefix.Length..] : "";
        refusal = IsProjectId(project) ? null : new PubSubRefusal(StatusCode.InvalidArgument, $"Invalid [projects] name: (name={text})");
        return refusal is null;
    }

    private static bool IsProjectId(string project) => project.Length > 0 && !project.Contains('/');

    private static bool IsTopicId(string topic) =>
        topic.Length is >= 3 and <= 255
        && char.IsAsciiLetter(topic[0])
        && !topic.StartsWith("goog", StringComparison.OrdinalIgnoreCase)
        && topic.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' or '+' or '%');

    private static PubSubRefusal Malformed(string text) => new(StatusCode.InvalidArgument, $"Invalid [topics] name: (name={text})");
}

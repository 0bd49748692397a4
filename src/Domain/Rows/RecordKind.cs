namespace Pipeline.Domain.Rows;

/// <summary>Which table a stream of records feeds.</summary>
public enum RecordKind
{
    /// <summary>User interactions (reads), for <c>user_interaction</c>.</summary>
    Interaction,

    /// <summary>Content metadata (a content's categories), for <c>content_meta</c>.</summary>
    ContentMeta,
}

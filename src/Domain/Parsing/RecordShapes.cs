using Pipeline.Domain.Rows;

namespace Pipeline.Domain.Parsing;

/// <summary>The two record shapes, as a Pub/Sub message's JSON records and a CSV dump's rows both carry them.</summary>
public static class RecordShapes
{
    /// <summary>A reading event: user_id, content_id (or pratilipi_id), read_percent, updated_at.</summary>
    public static RecordShape<Interaction> Interaction { get; } = new(
    [
        new("user_id", FieldKind.Id),
        new("content_id", FieldKind.Id, Alias: "pratilipi_id"),
        new("read_percent", FieldKind.Percent),
        new("updated_at", FieldKind.Timestamp),
    ], (string eventId, in FieldValues v) => new Interaction(eventId, v.Id(0), v.Id(1), v.Percent(2), v.Timestamp(3)!.Value));

    /// <summary>A content's category: content_id (or pratilipi_id), category_name, optional updated_at.</summary>
    public static RecordShape<ContentMeta> ContentMeta { get; } = new(
    [
        new("content_id", FieldKind.Id, Alias: "pratilipi_id"),
        new("category_name", FieldKind.Name),
        new("updated_at", FieldKind.Timestamp, Optional: true),
    ], (string eventId, in FieldValues v) => new ContentMeta(eventId, v.Id(0), v.Name(1), v.Timestamp(2)));
}

using System.Text.Json;
using Pipeline.Warehouse.Rows;

namespace Pipeline.Warehouse.Parsing;

/// <summary>Reads a content-meta record: content_id (or pratilipi_id), category_name, optional updated_at.</summary>
public static class ContentMetaRecord
{
    /// <summary>The record as a <see cref="ContentMeta"/> row with <paramref name="eventId"/>; false, with the first field's error, when it is invalid.</summary>
    public static bool TryRead(JsonElement record, string eventId, out ContentMeta? row, out string error)
    {
        row = null;
        if (JsonFields.TryReadId(record, "content_id", out var contentId, out error, alias: "pratilipi_id")
            && JsonFields.TryReadName(record, "category_name", out var category, out error)
            && JsonFields.TryReadTimestamp(record, "updated_at", optional: true, out var updatedAt, out error))
        {
            row = new ContentMeta(eventId, contentId, category, updatedAt);
            return true;
        }
        return false;
    }
}

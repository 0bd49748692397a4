using System.Text.Json;
using Pipeline.Warehouse.Rows;

namespace Pipeline.Warehouse.Parsing;

/// <summary>Reads a user-interaction record: user_id, content_id (or pratilipi_id), read_percent, updated_at.</summary>
public static class InteractionRecord
{
    /// <summary>The record as an <see cref="Interaction"/> with <paramref name="eventId"/>; false, with the first field's error, when it is invalid.</summary>
    public static bool TryRead(JsonElement record, string eventId, out Interaction? row, out string error)
    {
        row = null;
        if (JsonFields.TryReadId(record, "user_id", out var userId, out error)
            && JsonFields.TryReadId(record, "content_id", out var contentId, out error, alias: "pratilipi_id")
            && JsonFields.TryReadPercent(record, "read_percent", out var readPercent, out error)
            && JsonFields.TryReadTimestamp(record, "updated_at", optional: false, out var updatedAt, out error))
        {
            row = new Interaction(eventId, userId, contentId, readPercent, updatedAt!.Value);
            return true;
        }
        return false;
    }
}

using System.Security.Cryptography;
using System.Text;
using DuckDB.NET.Data;
using Pipeline.Domain.Rows;
using Pipeline.Domain.Schema;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// Records that arrive under an event id already stored with other content. The idempotent path stores an event id
/// once, which is right for a redelivery (same content) and wrong for a new record under an old id: Google's Pub/Sub
/// emulator restarts its message ids at 1, and a publisher may reuse ids. Such a record is not stored and not
/// dropped: it becomes a dead letter that says so, with the record and the stored one.
/// </summary>
internal static class ReusedEventIds
{
    /// <summary>
    /// The staged rows of <paramref name="stage"/> whose event id is stored in <paramref name="table"/> with other
    /// content, as dead letters of <paramref name="source"/>. Run after the move: a staged row that was just moved
    /// meets itself and is not a conflict.
    /// </summary>
    public static List<(string EventId, DeadLetter Letter, DateTime ReceivedAt)> Find(
        DuckDBConnection connection, TableDeclaration declaration, string table, string stage, string source)
    {
        var found = new List<(string, DeadLetter, DateTime)>();
        using var command = connection.CreateCommand();
        command.CommandText = Query(declaration, table, stage);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var (eventId, payload, stored, receivedAt) = (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetDateTime(3));
            found.Add((eventId, new DeadLetter(source, $"{eventId}#{Digest(payload)}", payload,
                $"event id '{eventId}' is already stored with other content ({stored}); this record was not stored. " +
                "An event id names one record: the publisher (or an emulator restarted, whose message ids start again at 1) " +
                "sent a new record under an old id; publish it again to store it under a new id"), receivedAt));
        }
        return found;
    }

    /// <summary>Staged rows joined to stored rows of the same event id whose columns (but the write time) differ.</summary>
    private static string Query(TableDeclaration declaration, string table, string stage)
    {
        var columns = declaration.Columns.Where(c => !c.IsWriteTime).ToList();
        var writeTime = declaration.Columns.Single(c => c.IsWriteTime).Name;
        var same = string.Join(" AND ", columns.Select(c => $"s.{c.Name} IS NOT DISTINCT FROM t.{c.Name}"));
        return $"""
            SELECT s.event_id, {Json(columns, "s")}, {Json(columns, "t")}, s.{writeTime}
            FROM {stage} AS s JOIN {DuckDbSchema.Quote(table)} AS t ON t.event_id = s.event_id
            WHERE NOT ({same})
            """;
    }

    /// <summary>The row as one JSON object of its columns, timestamps in RFC 3339.</summary>
    private static string Json(IEnumerable<Column> columns, string alias) =>
        "to_json({" + string.Join(", ", columns.Select(c => $"'{c.Name}': " + (c.Type == ColumnType.Timestamp
            ? $"strftime({alias}.{c.Name}, '%Y-%m-%dT%H:%M:%S.%fZ')"
            : $"{alias}.{c.Name}"))) + "})::VARCHAR";

    /// <summary>Tells apart two records under one event id, and is the same for a redelivery of either.</summary>
    private static string Digest(string payload) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(payload)))[..12];
}

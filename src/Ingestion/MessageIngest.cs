using Pipeline.Domain.Parsing;
using Pipeline.Domain.Rows;

namespace Pipeline.Ingestion;

/// <summary>
/// Turns one message body into an <see cref="IngestBatch"/>: each valid record becomes a row, each invalid one an
/// <see cref="DeadLetter"/> with its raw text and a reason naming the field. Record event ids are the message id,
/// or <c>messageId:index</c> when the message carries several records.
/// </summary>
public static class MessageIngest
{
    /// <summary>
    /// The batch for one message: its records read as <paramref name="kind"/> rows, refused ones dead-lettered under
    /// <paramref name="source"/>. A body that cannot be read at all is one dead letter, the message's whole payload.
    /// </summary>
    public static IngestBatch ToBatch(RecordKind kind, string source, string messageId, ReadOnlyMemory<byte> body, DateTime receivedAt)
    {
        var content = MessageRecords.Split(body);
        if (!content.IsDecodable)
        {
            return Undecodable(source, messageId, PayloadText.Of(body), content.UndecodableReason!, receivedAt);
        }
        var errors = new List<DeadLetter>();
        return kind switch
        {
            RecordKind.Interaction => new IngestBatch(
                Read(content, source, messageId, RecordShapes.Interaction, errors), [], errors, receivedAt),
            RecordKind.ContentMeta => new IngestBatch(
                [], Read(content, source, messageId, RecordShapes.ContentMeta, errors), errors, receivedAt),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
    }

    /// <summary>A delivery that cannot be read at all: its whole payload goes to the dead-letter table.</summary>
    public static IngestBatch Undecodable(string source, string eventId, string payload, string reason, DateTime receivedAt) =>
        new([], [], [new DeadLetter(source, eventId, payload, reason)], receivedAt);

    private static List<TRow> Read<TRow>(
        MessageContent content, string source, string messageId, RecordShape<TRow> shape, List<DeadLetter> errors)
    {
        var rows = new List<TRow>(content.Records.Count);
        for (var index = 0; index < content.Records.Count; index++)
        {
            var record = content.Records[index];
            var eventId = content.Records.Count == 1 ? messageId : $"{messageId}:{index}";
            var error = record.Error;
            if (record.Json is { } json && JsonFields.TryRead(shape, json, eventId, out var row, out error))
            {
                rows.Add(row!);
            }
            else
            {
                errors.Add(new DeadLetter(source, eventId, record.RawText, error!));
            }
        }
        return rows;
    }
}

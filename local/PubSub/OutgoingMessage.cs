namespace Pipeline.Local.PubSub;

/// <summary>
/// A message the local Pub/Sub accepted, before it is stamped: its data in base64, the form both a REST publish
/// request and the Eventarc event carry it in, so a REST publish is never decoded and encoded again on its way.
/// </summary>
/// <param name="Data">The data, base64 (standard alphabet, padded); empty for none.</param>
/// <param name="Attributes">The attributes.</param>
/// <param name="OrderingKey">The ordering key; empty for none.</param>
public sealed record OutgoingMessage(string Data, IReadOnlyDictionary<string, string> Attributes, string OrderingKey)
{
    /// <summary>True when the message has neither data nor attributes, which Pub/Sub refuses.</summary>
    public bool IsEmpty => Data.Length == 0 && Attributes.Count == 0;
}

namespace Pipeline.Warehouse.Ingest;

/// <summary>Which table a stream of records feeds.</summary>
public enum RecordKind
{
    Interaction,
    ContentMeta,
}

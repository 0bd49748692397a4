namespace Pipeline.Warehouse;

/// <summary>
/// The four tables (docs/tables.md). Names are configuration, so users can point at existing tables
/// (for BigQuery a full <c>project.dataset.table</c> id).
/// </summary>
public sealed record TableNames(
    string Interactions = "user_interaction",
    string ContentMeta = "content_meta",
    string IngestErrors = "ingest_errors",
    string LoadLog = "load_log");

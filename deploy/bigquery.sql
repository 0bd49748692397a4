-- The tables in GoogleSQL, generated from src/Domain/Schema/WarehouseSchema.cs: do not edit, regenerate with
--   PIPELINE_WRITE_DDL=1 dotnet test tests/Pipeline.Tests --filter FullyQualifiedName~Pipeline.Tests.Warehouse.SchemaDdlTest
-- Idempotent: safe to run again. Run with the dataset as default, e.g.:
--   bq query --use_legacy_sql=false --dataset_id="$PROJECT:$DATASET" < deploy/bigquery.sql
-- (create the dataset first: bq mk --location="$LOCATION" --dataset "$PROJECT:$DATASET").

CREATE TABLE IF NOT EXISTS user_interaction (
  event_id     STRING    NOT NULL,
  user_id      INT64     NOT NULL,
  content_id   INT64     NOT NULL,
  read_percent FLOAT64   NOT NULL,
  updated_at   TIMESTAMP NOT NULL,
  ingested_at  TIMESTAMP NOT NULL
)
PARTITION BY DATE(updated_at)
CLUSTER BY user_id
OPTIONS (description = 'Reading events: Pub/Sub user-interaction and backfilled dumps. event_id is unique per event.');

CREATE TABLE IF NOT EXISTS content_meta (
  event_id      STRING    NOT NULL,
  content_id    INT64     NOT NULL,
  category_name STRING    NOT NULL,
  updated_at    TIMESTAMP,
  ingested_at   TIMESTAMP NOT NULL
)
CLUSTER BY content_id
OPTIONS (description = 'Content categories: a content may have several.');

CREATE TABLE IF NOT EXISTS ingest_errors (
  source      STRING    NOT NULL,
  event_id    STRING    NOT NULL,
  payload     STRING,
  error       STRING    NOT NULL,
  received_at TIMESTAMP NOT NULL
)
PARTITION BY DATE(received_at)
OPTIONS (description = 'Dead letters: every refused record with its raw payload and the reason.');

CREATE TABLE IF NOT EXISTS load_log (
  object        STRING    NOT NULL,
  generation    STRING    NOT NULL,
  target        STRING    NOT NULL,
  status        STRING    NOT NULL,
  rows_loaded   INT64     NOT NULL,
  rows_rejected INT64     NOT NULL,
  error         STRING,
  started_at    TIMESTAMP NOT NULL,
  finished_at   TIMESTAMP NOT NULL
)
OPTIONS (description = 'One row per backfill attempt: loaded, failed or skipped.');

CREATE TABLE IF NOT EXISTS backfill_lock (
  target STRING NOT NULL,
  claims INT64  NOT NULL
)
OPTIONS (description = 'One row per backfill target, updated by every loading commit so that overlapping commits conflict (docs/backfill-concurrency.md).');

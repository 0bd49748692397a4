using System.Text;
using Pipeline.Warehouse.BigQuery.Rest;
using Pipeline.Warehouse.Ingest;

namespace Pipeline.Warehouse.BigQuery;

/// <summary>
/// The one multi-statement query that turns a staged CSV (every column STRING, named c0…cN by header position)
/// into rows: it checks each row by the rules of <see cref="Parsing.FieldRules"/> written in GoogleSQL, fails the
/// file when bad rows exceed @max_bad_rows, and otherwise — in one transaction — replaces the object's older rows,
/// inserts the good ones, dead-letters the bad ones and records load_log. Its last statement returns the outcome.
/// Values are parameters (@object, @generation, @target, @object_prefix, @event_prefix, @max_bad_rows, @started_at);
/// only table ids from configuration and c0…cN appear in the text.
/// BigQuery keeps no row order, so a row's key is not its line: it is the fingerprint of the row's values and its
/// ordinal among identical rows — stable for the same file, computed without sorting the whole file.
/// </summary>
internal static class BackfillScript
{
    private const string IdPattern = @"^[+-]?[0-9]+$";
    private const string TimestampPattern = @"^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$";

    public static string For(RecordKind target, int[] columns, int columnCount, BigQueryOptions options, TableReference staging)
    {
        var table = target == RecordKind.Interaction ? options.Interactions : options.ContentMeta;
        var (fields, checks, insertColumns, insertValues) = target == RecordKind.Interaction
            ? (new[] { Id("user_id", columns[0]), Id("content_id", columns[1]), Percent("read_percent", columns[2]), Timestamp("updated_at", columns[3]) },
               new[] { IdCheck("user_id", columns[0]), IdCheck("content_id", columns[1]), PercentCheck("read_percent", columns[2]), TimestampCheck("updated_at", columns[3], optional: false) },
               "event_id, user_id, content_id, read_percent, updated_at, ingested_at",
               "user_id, content_id, read_percent, updated_at")
            : (new[] { Id("content_id", columns[0]), Name("category_name", columns[1]), Timestamp("updated_at", columns[2]) },
               new[] { IdCheck("content_id", columns[0]), NameCheck("category_name", columns[1]), TimestampCheck("updated_at", columns[2], optional: true) },
               "event_id, content_id, category_name, updated_at, ingested_at",
               "content_id, category_name, updated_at");
        var raw = string.Join(", ',', ", Enumerable.Range(0, columnCount).Select(i =>
            $"IF(REGEXP_CONTAINS(IFNULL(c{i}, ''), r'[\",\\r\\n]'), CONCAT('\"', REPLACE(c{i}, '\"', '\"\"'), '\"'), IFNULL(c{i}, ''))"));
        var loadLog = BigQueryOptions.Sql(options.LoadLog);
        var errors = BigQueryOptions.Sql(options.IngestErrors);
        var into = BigQueryOptions.Sql(table);
        var script = new StringBuilder();
        script.Append($"""
            CREATE TEMP TABLE checked AS
            WITH keyed AS (
              SELECT s.*, TO_JSON_STRING(s) AS row_json FROM {BigQueryOptions.Sql(staging)} AS s
            ),
            numbered AS (
              SELECT keyed.*, CONCAT(FORMAT('%016x', FARM_FINGERPRINT(row_json)), '-',
                CAST(ROW_NUMBER() OVER (PARTITION BY row_json) AS STRING)) AS record
              FROM keyed
            )
            SELECT record, CONCAT({raw}) AS raw,
              {string.Join(",\n  ", fields)},
              COALESCE({string.Join(", ", checks)}) AS error
            FROM numbered;

            IF EXISTS (SELECT 1 FROM {loadLog} WHERE object = @object AND generation = @generation AND target = @target AND status = 'loaded') THEN
              INSERT INTO {loadLog} (object, generation, target, status, rows_loaded, rows_rejected, error, started_at, finished_at)
              VALUES (@object, @generation, @target, 'skipped', 0, 0, CONCAT('generation ', @generation, ' is already loaded'), @started_at, CURRENT_TIMESTAMP());
            ELSEIF (SELECT COUNTIF(error IS NOT NULL) FROM checked) > @max_bad_rows THEN
              INSERT INTO {loadLog} (object, generation, target, status, rows_loaded, rows_rejected, error, started_at, finished_at)
              VALUES (@object, @generation, @target, 'failed', 0, (SELECT COUNTIF(error IS NOT NULL) FROM checked),
                (SELECT FORMAT('more than %d bad rows; one, record %s: %s', @max_bad_rows, record, error) FROM checked WHERE error IS NOT NULL ORDER BY record LIMIT 1),
                @started_at, CURRENT_TIMESTAMP());
            ELSE
              BEGIN TRANSACTION;
              -- Only when an older generation was loaded: a DELETE on a table the ingest functions stream into
              -- fails if it could touch rows still in the streaming buffer, so a first load must not issue one.
              IF EXISTS (SELECT 1 FROM {loadLog} WHERE object = @object AND target = @target AND status = 'loaded' AND generation != @generation) THEN
                DELETE FROM {into}
                WHERE STARTS_WITH(event_id, @object_prefix) AND REGEXP_CONTAINS(SUBSTR(event_id, LENGTH(@object_prefix) + 1), r'^[0-9]+:');
              END IF;
              INSERT INTO {into} ({insertColumns})
                SELECT CONCAT(@event_prefix, record), {insertValues}, @started_at FROM checked WHERE error IS NULL;
              INSERT INTO {errors} (source, event_id, payload, error, received_at)
                SELECT 'BackfillCsv', CONCAT(@event_prefix, record), raw, CONCAT('record ', record, ': ', error), @started_at
                FROM checked WHERE error IS NOT NULL;
              INSERT INTO {loadLog} (object, generation, target, status, rows_loaded, rows_rejected, error, started_at, finished_at)
                SELECT @object, @generation, @target, 'loaded', COUNTIF(error IS NULL), COUNTIF(error IS NOT NULL),
                  IF(COUNTIF(error IS NOT NULL) > 0, FORMAT('%d bad rows dead-lettered', COUNTIF(error IS NOT NULL)), NULL),
                  @started_at, CURRENT_TIMESTAMP()
                FROM checked;
              COMMIT TRANSACTION;
            END IF;

            DROP TABLE IF EXISTS {BigQueryOptions.Sql(staging)};

            SELECT status, rows_loaded, rows_rejected, error FROM {loadLog}
            WHERE object = @object AND generation = @generation AND target = @target AND started_at = @started_at
            ORDER BY finished_at DESC LIMIT 1;
            """);
        return script.ToString();
    }

    private static string Cell(int column) => column < 0 ? "CAST(NULL AS STRING)" : $"NULLIF(TRIM(c{column}), '')";

    private static string Id(string name, int c) => $"SAFE_CAST(LTRIM({Cell(c)}, '+') AS INT64) AS {name}";

    private static string IdValue(int c) => $"SAFE_CAST(LTRIM({Cell(c)}, '+') AS INT64)";

    private static string Percent(string name, int c) => $"SAFE_CAST({Cell(c)} AS FLOAT64) AS {name}";

    private static string Name(string name, int c) => $"{Cell(c)} AS {name}";

    private static string Timestamp(string name, int c) => $"{TimestampValue(c)} AS {name}";

    private static string TimestampValue(int c) => $"""
        IF(REGEXP_CONTAINS({Cell(c)}, r'{TimestampPattern}'), COALESCE(
            SAFE.PARSE_TIMESTAMP('%Y-%m-%d', {Cell(c)}),
            SAFE.PARSE_TIMESTAMP('%Y-%m-%d %H:%M:%E*S', {Cell(c)}), SAFE.PARSE_TIMESTAMP('%Y-%m-%dT%H:%M:%E*S', {Cell(c)}),
            SAFE.PARSE_TIMESTAMP('%Y-%m-%d %H:%M:%E*SZ', {Cell(c)}), SAFE.PARSE_TIMESTAMP('%Y-%m-%dT%H:%M:%E*SZ', {Cell(c)}),
            SAFE.PARSE_TIMESTAMP('%Y-%m-%d %H:%M:%E*S%Ez', {Cell(c)}), SAFE.PARSE_TIMESTAMP('%Y-%m-%dT%H:%M:%E*S%Ez', {Cell(c)}),
            SAFE.PARSE_TIMESTAMP('%Y-%m-%d %H:%M:%E*S%z', {Cell(c)}), SAFE.PARSE_TIMESTAMP('%Y-%m-%dT%H:%M:%E*S%z', {Cell(c)}),
            SAFE.PARSE_TIMESTAMP('%Y-%m-%dT%H:%M', {Cell(c)}), SAFE.PARSE_TIMESTAMP('%Y-%m-%dT%H:%M%Ez', {Cell(c)}),
            SAFE.PARSE_TIMESTAMP('%Y-%m-%dT%H:%M%z', {Cell(c)}), SAFE.PARSE_TIMESTAMP('%Y-%m-%dT%H:%MZ', {Cell(c)})), NULL)
        """;

    private static string Shown(int c) => $"CONCAT('''', {Cell(c)}, '''')";

    private static string IdCheck(string name, int c) => $"""
        CASE
          WHEN {Cell(c)} IS NULL THEN '{name}: missing'
          WHEN REGEXP_CONTAINS({Cell(c)}, r'{IdPattern}') AND {IdValue(c)} >= 0 THEN NULL
          WHEN REGEXP_CONTAINS({Cell(c)}, r'{IdPattern}') AND {IdValue(c)} < 0 THEN CONCAT('{name}: must be ≥ 0, got ', {Shown(c)})
          WHEN SAFE_CAST({Cell(c)} AS BIGNUMERIC) > 9223372036854775807 THEN CONCAT('{name}: ', {Shown(c)}, ' does not fit in a 64-bit integer')
          ELSE CONCAT('{name}: must be an integer ≥ 0, got ', {Shown(c)})
        END
        """;

    private static string PercentCheck(string name, int c) => $"""
        CASE
          WHEN {Cell(c)} IS NULL THEN '{name}: missing'
          WHEN SAFE_CAST({Cell(c)} AS FLOAT64) IS NULL OR IS_NAN(SAFE_CAST({Cell(c)} AS FLOAT64)) OR IS_INF(SAFE_CAST({Cell(c)} AS FLOAT64))
            THEN CONCAT('{name}: must be a number, got ', {Shown(c)})
          WHEN SAFE_CAST({Cell(c)} AS FLOAT64) NOT BETWEEN 0 AND 100 THEN CONCAT('{name}: must be between 0 and 100, got ', {Shown(c)})
        END
        """;

    private static string NameCheck(string name, int c) => $"""
        CASE
          WHEN {Cell(c)} IS NULL THEN '{name}: missing'
          WHEN CHAR_LENGTH({Cell(c)}) > {Parsing.FieldRules.MaxCategoryNameLength} THEN '{name}: longer than {Parsing.FieldRules.MaxCategoryNameLength} characters'
        END
        """;

    private static string TimestampCheck(string name, int c, bool optional) => $"""
        CASE
          WHEN {Cell(c)} IS NULL THEN {(optional ? "NULL" : $"'{name}: missing'")}
          WHEN NOT REGEXP_CONTAINS({Cell(c)}, r'{TimestampPattern}') OR {TimestampValue(c)} IS NULL
            THEN CONCAT('{name}: ', {Shown(c)}, ' is not a valid date or timestamp ({Parsing.Timestamps.AcceptedFormats})')
        END
        """;
}

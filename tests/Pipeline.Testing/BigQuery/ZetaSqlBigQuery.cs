using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pipeline.Tests.GoogleSql;

namespace Pipeline.Tests.Fixtures;

/// <summary>A column of a table the ZetaSQL-backed fake holds; <see cref="Required"/> is NOT NULL (mode REQUIRED).</summary>
public sealed record ZetaSqlColumn(string Name, SqlType Type, bool Required = false);

/// <summary>
/// A statement the ZetaSQL-backed fake executed (it analyzed; it may then have failed): its text as in the script
/// (without the semicolon), its resolved kind (e.g. <c>RESOLVED_DELETE_STMT</c>), the request's parameter types and
/// the catalog — the tables as they were then — it was analyzed against.
/// </summary>
public sealed record ExecutedStatement(string Sql, string Kind, IReadOnlyDictionary<string, SqlType> ParameterTypes, BigQueryCatalog Catalog);

/// <summary>One table: its columns and rows (cells in column order, as C# values). Rows arrays are never changed in place.</summary>
internal sealed class ZetaSqlTable(string name, IReadOnlyList<ZetaSqlColumn> columns, long creationTime)
{
    public string Name => name;

    public IReadOnlyList<ZetaSqlColumn> Columns => columns;

    public List<object?[]> Rows { get; set; } = [];

    public string? ExpirationTime { get; init; }

    public long CreationTime => creationTime;

    /// <summary>The commit sequence number of the last commit that mutated (UPDATE, DELETE, WRITE_TRUNCATE) this table.</summary>
    public long MutationSequence { get; set; }

    public ZetaSqlTable Clone() => new(name, columns, creationTime) { Rows = [.. Rows], ExpirationTime = ExpirationTime, MutationSequence = MutationSequence };

    public int IndexOf(string column)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (string.Equals(columns[i].Name, column, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }
        return -1;
    }
}

/// <summary>
/// The stateful half of <see cref="FakeBigQuery"/> in ZetaSQL mode: in-memory tables (the DDL's, as
/// <c>project.dataset.table</c>, plus those created by tables.insert, uploads or CREATE TABLE), changed by insertAll,
/// loads and DML, and read by queries — all SQL executed by ZetaSQL's reference evaluator. Every request, and every
/// statement of a script, holds one lock: statements of concurrent scripts interleave, one at a time.
/// <para>
/// Transactions, as "Multi-statement transactions" (Transaction concurrency) documents them: BEGIN takes a snapshot of
/// the committed tables, which the transaction's statements read, with its own writes; nothing it writes is visible
/// to others before COMMIT. A transaction that mutated a table (an UPDATE or DELETE that changed at least one row)
/// fails at COMMIT when another commit mutated that table since it began — first committer wins; the loser's job
/// fails with reason <c>invalidQuery</c> and "Transaction is aborted due to concurrent update against table
/// project:dataset.table. Transaction ID: …" (the wording BigQuery is observed to use), having written nothing.
/// Appends (INSERT, insertAll, WRITE_APPEND and WRITE_EMPTY loads) never conflict: rows others appended meanwhile stay.
/// WRITE_TRUNCATE loads and mutating DML outside a transaction count as committed mutations. <see cref="BeforeStatement"/>
/// lets a test hold a script between statements.
/// Not modeled: partitions (the unit of conflict is the table); BigQuery cancelling the loser at a statement
/// before COMMIT, or possibly both; the queue of mutating DML outside transactions (2 running, 20 pending per table:
/// a mutating statement outside a transaction against a table an open transaction mutated fails loudly here instead
/// of waiting); DML statements' automatic reruns after a conflict; whether a zero-row UPDATE or DELETE conflicts (here
/// it does not). Tests should therefore assert only that of two overlapping mutating commits exactly one lands and the
/// other wrote nothing, never which one or when.
/// </para>
/// <para>
/// Executed: SELECT, INSERT, UPDATE, DELETE, BEGIN/COMMIT/ROLLBACK TRANSACTION (an error inside a transaction, or a
/// script ending inside one, discards everything the transaction did), ASSERT (its expression evaluated over the
/// tables as they are; FALSE or NULL fails the statement with its AS text, else "Assertion failed"), CREATE TABLE and
/// DROP TABLE [IF EXISTS] of <c>`project.dataset.table`</c>; NOT NULL columns are enforced for insertAll, loads and
/// DML. Loads honour createDisposition (CREATE_IF_NEEDED, CREATE_NEVER) and writeDisposition (WRITE_APPEND,
/// WRITE_TRUNCATE, WRITE_EMPTY: a destination that holds rows fails the job, reason <c>duplicate</c>); tables made by
/// tables.insert keep their expirationTime (tables.get answers it; nothing expires). Anything else fails the
/// query or job naming the statement: MERGE, CREATE TABLE … AS SELECT, TRUNCATE, other DDL, script control
/// statements (DECLARE, SET, IF, loops, BEGIN … END), values of other types than INT64, FLOAT64, STRING, BOOL,
/// TIMESTAMP and DATE, legacy SQL, positional parameters, jobs other than queries and uploaded loads.
/// </para>
/// <para>
/// A jobs.query asking for <c>jobCreationMode: JOB_CREATION_OPTIONAL</c> is answered without a job (a
/// <c>queryId</c>, no <c>jobReference</c>; getQueryResults then finds no job), as BigQuery answers a short query;
/// any other query runs as a job whose results getQueryResults reads.
/// </para>
/// <para>
/// Not emulated: insertId de-duplication (BigQuery's is best effort; its worst case, none, is what this does), the
/// streaming buffer (DML may touch rows just streamed), table expiration, partitions, defaultDataset (tables are
/// named in full), paging of results (one page holds every row), quotas.
/// </para>
/// </summary>
internal sealed partial class ZetaSqlBigQuery
{
    private readonly ZetaSqlEngine _engine;
    private readonly ConcurrentDictionary<string, JsonNode> _jobs;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<ExecutedStatement> _statements = [];
    private readonly ConcurrentDictionary<string, ScriptOutcome> _results = new();
    private Dictionary<string, ZetaSqlTable> _tables = new(StringComparer.Ordinal);

    private ZetaSqlBigQuery(ZetaSqlEngine engine, string project, string dataset, ConcurrentDictionary<string, JsonNode> jobs)
    {
        _engine = engine;
        Project = project;
        Dataset = dataset;
        _jobs = jobs;
    }

    public string Project { get; }

    public string Dataset { get; }

    public IReadOnlyList<ExecutedStatement> Statements
    {
        get
        {
            lock (_statements)
            {
                return [.. _statements];
            }
        }
    }

    /// <summary>The DDL's tables (<see cref="BigQueryCatalog.FromDdlAsync(ZetaSqlEngine, CancellationToken)"/>) as <c>project.dataset.table</c>, empty.</summary>
    public static async Task<ZetaSqlBigQuery> CreateAsync(
        ZetaSqlEngine engine, string project, string dataset, ConcurrentDictionary<string, JsonNode> jobs, CancellationToken cancellationToken)
    {
        var catalog = await BigQueryCatalog.FromDdlAsync(engine, cancellationToken);
        var required = await RequiredColumnsAsync(engine, cancellationToken);
        var fake = new ZetaSqlBigQuery(engine, project, dataset, jobs);
        foreach (var table in catalog.DdlTables)
        {
            var name = $"{project}.{dataset}.{table.Name}";
            fake._tables[name] = new ZetaSqlTable(name,
                table.Columns.Select(c => new ZetaSqlColumn(c.Name, c.Type, required.Contains((table.Name, c.Name)))).ToList(), Now());
        }
        return fake;
    }

    public string FullName(string tableId) => tableId.Contains('.', StringComparison.Ordinal) ? tableId : $"{Project}.{Dataset}.{tableId}";

    public async Task<IReadOnlyList<object?[]>> RowsAsync(string tableId)
    {
        await _gate.WaitAsync();
        try
        {
            return Table(FullName(tableId)).Rows.Select(r => (object?[])r.Clone()).ToList();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task AddRowsAsync(string tableId, IEnumerable<object?[]> rows)
    {
        await _gate.WaitAsync();
        try
        {
            var table = Table(FullName(tableId));
            var added = rows.Select(row =>
            {
                if (row.Length != table.Columns.Count)
                {
                    throw new ArgumentException($"A row of {table.Name} has {row.Length} values; the table has {table.Columns.Count} columns.");
                }
                var cells = row.Select((v, i) => BigQueryValues.Checked(v, table.Columns[i].Type, table.Columns[i].Name)).ToArray();
                if (MissingRequired(table, cells) is { } missing)
                {
                    throw new ArgumentException($"Column {missing} of {table.Name} is NOT NULL.");
                }
                return cells;
            }).ToList();
            table.Rows.AddRange(added);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<BigQueryCatalog> CatalogAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return Catalog();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<ZetaSqlColumn>> ColumnsAsync(string tableId)
    {
        await _gate.WaitAsync();
        try
        {
            return Table(FullName(tableId)).Columns;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Answers the REST calls that read or change tables and run queries; null for the others (jobs, uploads).</summary>
    public async Task<(int Status, string Body)?> HandleAsync(RecordedRequest request)
    {
        var body = request.Body ?? Json(request.Text);
        var path = request.Path;
        Match m;
        if (request.Method == "POST" && (m = InsertAllPath().Match(path)).Success)
        {
            return await LockedAsync(() => Task.FromResult(InsertAll(Name(m), body)));
        }
        if (request.Method == "POST" && (m = QueriesPath().Match(path)).Success)
        {
            return await QueryAsync(m.Groups[1].Value, body); // each statement takes the lock
        }
        if (request.Method == "GET" && (m = QueryResultsPath().Match(path)).Success)
        {
            return QueryResults(m.Groups[1].Value, m.Groups[2].Value, request.Query);
        }
        if (request.Method == "POST" && (m = TablesPath().Match(path)).Success)
        {
            return await LockedAsync(() => Task.FromResult(InsertTable(m.Groups[1].Value, m.Groups[2].Value, body)));
        }
        if ((m = TablePath().Match(path)).Success && request.Method is "GET" or "DELETE")
        {
            return await LockedAsync(() => Task.FromResult(request.Method == "GET" ? GetTable(Name(m)) : DeleteTable(Name(m))));
        }
        if (request.Method == "GET" && (m = DatasetPath().Match(path)).Success)
        {
            var (project, dataset) = (m.Groups[1].Value, m.Groups[2].Value);
            return await LockedAsync(() => Task.FromResult(
                (project, dataset) == (Project, Dataset) || _tables.Keys.Any(k => k.StartsWith($"{project}.{dataset}.", StringComparison.Ordinal))
                    ? (200, new JsonObject
                    {
                        ["kind"] = "bigquery#dataset", ["id"] = $"{project}:{dataset}",
                        ["datasetReference"] = new JsonObject { ["projectId"] = project, ["datasetId"] = dataset },
                    }.ToJsonString())
                    : NotFound($"Not found: Dataset {project}:{dataset}")));
        }
        return null;
    }

    /// <summary>
    /// Loads a completed upload's data into its destination table (or fails the job as BigQuery would, loading
    /// nothing): NEWLINE_DELIMITED_JSON or CSV (already gunzipped: <see cref="LoadData"/>; fields in the schema's
    /// order, as text values), create and write dispositions, maxBadRecords, ignoreUnknownValues.
    /// </summary>
    public Task LoadAsync(JsonObject job, string data) => LockedAsync(() =>
    {
        var status = job["status"]!.AsObject();
        try
        {
            var loaded = Load(job["configuration"]?["load"] as JsonObject
                ?? throw new JobFailure("invalid", "FakeBigQuery: an upload's job needs configuration.load."), data);
            job["statistics"] = new JsonObject
            {
                ["creationTime"] = Now().ToString(CultureInfo.InvariantCulture),
                ["load"] = new JsonObject { ["outputRows"] = loaded.ToString(CultureInfo.InvariantCulture), ["badRecords"] = "0" },
            };
        }
        catch (JobFailure e)
        {
            status["errorResult"] = Problem(e.Reason, e.Message);
            status["errors"] = new JsonArray([Problem(e.Reason, e.Message), .. e.Details.Select(d => (JsonNode)Problem("invalid", d))]);
            job["statistics"] = new JsonObject { ["creationTime"] = Now().ToString(CultureInfo.InvariantCulture) };
        }
        return Task.FromResult(0);
    });

    private int Load(JsonObject load, string data)
    {
        var format = load["sourceFormat"]?.GetValue<string>() ?? "CSV";
        if (format is not ("NEWLINE_DELIMITED_JSON" or "CSV"))
        {
            throw new JobFailure("invalid", $"FakeBigQuery (ZetaSQL mode) loads NEWLINE_DELIMITED_JSON and CSV only, not {format}.");
        }
        var destination = load["destinationTable"] ?? throw new JobFailure("invalid", "The load has no destinationTable.");
        var name = $"{destination["projectId"]!.GetValue<string>()}.{destination["datasetId"]!.GetValue<string>()}.{destination["tableId"]!.GetValue<string>()}";
        var schema = load["schema"]?["fields"] is JsonArray fields ? Columns(fields) : null;
        var write = load["writeDisposition"]?.GetValue<string>() ?? "WRITE_APPEND";
        if (write is not ("WRITE_APPEND" or "WRITE_TRUNCATE" or "WRITE_EMPTY"))
        {
            throw new JobFailure("invalid", $"Invalid value for writeDisposition: {write} (WRITE_APPEND, WRITE_TRUNCATE or WRITE_EMPTY).");
        }
        var create = load["createDisposition"]?.GetValue<string>() ?? "CREATE_IF_NEEDED";
        if (create is not ("CREATE_IF_NEEDED" or "CREATE_NEVER"))
        {
            throw new JobFailure("invalid", $"Invalid value for createDisposition: {create} (CREATE_IF_NEEDED or CREATE_NEVER).");
        }
        _tables.TryGetValue(name, out var table);
        if (write == "WRITE_EMPTY" && table is { Rows.Count: > 0 })
        {
            // BigQuery's job then fails "duplicate": the destination must be empty (write disposition WRITE_EMPTY).
            throw new JobFailure("duplicate", $"Already Exists: Table {Reference(name)}: it holds {table.Rows.Count} rows, and the load's writeDisposition is WRITE_EMPTY.");
        }
        if (table is null)
        {
            if (create == "CREATE_NEVER")
            {
                throw new JobFailure("notFound", $"Not found: Table {Reference(name)}");
            }
            table = new ZetaSqlTable(name, schema ?? throw new JobFailure("invalid", $"No schema specified on job or table {Reference(name)}."), Now());
        }
        else if (schema is not null && !schema.SequenceEqual(table.Columns, ColumnComparer.Instance))
        {
            if (write != "WRITE_TRUNCATE")
            {
                throw new JobFailure("invalid", $"Provided Schema does not match Table {Reference(name)}.");
            }
            table = new ZetaSqlTable(name, schema, table.CreationTime) { ExpirationTime = table.ExpirationTime }; // the load's schema replaces the table's
        }
        var ignoreUnknown = load["ignoreUnknownValues"]?.GetValue<bool>() == true;
        var maxBad = load["maxBadRecords"]?.GetValue<int>() ?? 0;
        var rows = new List<object?[]>();
        var errors = new List<string>();
        if (format == "CSV")
        {
            CsvRows(table, load, data, rows, errors);
        }
        var lines = format == "CSV" ? [] : data.Split('\n');
        var position = 0L;
        foreach (var line in lines)
        {
            if (line.Trim().Length > 0)
            {
                try
                {
                    var json = Json(line) as JsonObject ?? throw new RowFailure("", "JSON parsing error: the row is not a JSON object");
                    rows.Add(Row(table, json, ignoreUnknown));
                }
                catch (RowFailure e)
                {
                    errors.Add($"Error while reading data, error message: JSON parsing error in row starting at position {position}: {e.Message}"
                        + (e.Location.Length > 0 ? $" Field: {e.Location}" : ""));
                }
            }
            position += System.Text.Encoding.UTF8.GetByteCount(line) + 1;
        }
        if (errors.Count > maxBad)
        {
            throw new JobFailure("invalid",
                $"Error while reading data, error message: {(format == "CSV" ? "CSV" : "JSON")} table encountered too many errors, giving up. Rows: {rows.Count + errors.Count}; errors: {errors.Count}. Please look into the errors[] collection for more details.",
                errors);
        }
        if (write == "WRITE_TRUNCATE")
        {
            table.Rows = rows;
            table.MutationSequence = ++_commitSequence;
        }
        else
        {
            table.Rows.AddRange(rows);
        }
        _tables[name] = table;
        return rows.Count;
    }

    /// <summary>A CSV load's rows: each record's fields are the table's columns in order (text values, NULL by the null marker).</summary>
    private static void CsvRows(ZetaSqlTable table, JsonObject load, string data, List<object?[]> rows, List<string> errors)
    {
        var jagged = load["allowJaggedRows"]?.GetValue<bool>() == true;
        var ignoreUnknown = load["ignoreUnknownValues"]?.GetValue<bool>() == true;
        IEnumerable<(long Position, List<string?> Fields)> records;
        try
        {
            records = LoadData.Csv(data, load).ToList();
        }
        catch (FormatException e)
        {
            throw new JobFailure("invalid", e.Message);
        }
        foreach (var (position, fields) in records)
        {
            var problem = fields.Count > table.Columns.Count && !ignoreUnknown ? $"Too many values in row starting at position: {position}. Found {fields.Count} column(s) while expected {table.Columns.Count}."
                : fields.Count < table.Columns.Count && !jagged ? $"Too few columns: expected {table.Columns.Count} column(s) but got {fields.Count} column(s). Row starting at position: {position}."
                : null;
            if (problem is null)
            {
                var cells = new object?[table.Columns.Count];
                for (var c = 0; c < cells.Length && c < fields.Count && problem is null; c++)
                {
                    try
                    {
                        cells[c] = BigQueryValues.FromText(table.Columns[c].Type, fields[c]);
                    }
                    catch (FormatException e)
                    {
                        problem = $"Error while reading data, error message: Could not parse '{fields[c]}' as {table.Columns[c].Name}: {e.Message}. Row starting at position: {position}.";
                    }
                }
                if (problem is null && MissingRequired(table, cells) is { } missing)
                {
                    problem = $"Error while reading data, error message: Required column value for column index: {table.IndexOf(missing)} is missing. Row starting at position: {position}.";
                }
                if (problem is null)
                {
                    rows.Add(cells);
                    continue;
                }
            }
            errors.Add(problem);
        }
    }

    private (int, string) InsertAll(string name, JsonNode? body)
    {
        if (!_tables.TryGetValue(name, out var table))
        {
            return NotFound($"Not found: Table {Reference(name)}");
        }
        if (body?["rows"] is not JsonArray rows)
        {
            return Error(400, "invalid", "No rows present in the request.");
        }
        var skipInvalid = body["skipInvalidRows"]?.GetValue<bool>() == true;
        var ignoreUnknown = body["ignoreUnknownValues"]?.GetValue<bool>() == true;
        var converted = new List<object?[]?>();
        var invalid = new Dictionary<int, RowFailure>();
        for (var i = 0; i < rows.Count; i++)
        {
            try
            {
                converted.Add(Row(table, rows[i]?["json"] as JsonObject ?? throw new RowFailure("", "The row has no json object."), ignoreUnknown));
            }
            catch (RowFailure e)
            {
                invalid[i] = e;
                converted.Add(null);
            }
        }
        // insertId is not looked at: BigQuery's de-duplication is best effort, and its worst case is none.
        if (invalid.Count == 0 || skipInvalid)
        {
            table.Rows.AddRange(converted.OfType<object?[]>());
        }
        var response = new JsonObject { ["kind"] = "bigquery#tableDataInsertAllResponse" };
        if (invalid.Count > 0)
        {
            response["insertErrors"] = new JsonArray([.. Enumerable.Range(0, rows.Count)
                .Where(i => invalid.ContainsKey(i) || !skipInvalid)
                .Select(i => (JsonNode)new JsonObject
                {
                    ["index"] = i,
                    ["errors"] = new JsonArray(invalid.TryGetValue(i, out var e)
                        ? new JsonObject { ["reason"] = "invalid", ["location"] = e.Location, ["debugInfo"] = "", ["message"] = e.Message }
                        : new JsonObject { ["reason"] = "stopped", ["location"] = "", ["debugInfo"] = "", ["message"] = "" }),
                })]);
        }
        return (200, response.ToJsonString());
    }

    /// <summary>A JSON row (insertAll's <c>json</c>, a load data line) as cells of the table's columns.</summary>
    private static object?[] Row(ZetaSqlTable table, JsonObject json, bool ignoreUnknown)
    {
        var cells = new object?[table.Columns.Count];
        foreach (var (key, value) in json)
        {
            var index = table.IndexOf(key);
            if (index < 0)
            {
                if (ignoreUnknown)
                {
                    continue;
                }
                throw new RowFailure(key, $"no such field: {key}.");
            }
            try
            {
                cells[index] = BigQueryValues.FromJson(value, table.Columns[index].Type);
            }
            catch (FormatException e)
            {
                throw new RowFailure(table.Columns[index].Name, e.Message);
            }
        }
        return MissingRequired(table, cells) is { } missing ? throw new RowFailure(missing, $"Missing required field: {missing}.") : cells;
    }

    private static string? MissingRequired(ZetaSqlTable table, object?[] cells)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (cells[i] is null && table.Columns[i].Required)
            {
                return table.Columns[i].Name;
            }
        }
        return null;
    }

    private (int, string) InsertTable(string project, string dataset, JsonNode? body)
    {
        var reference = body?["tableReference"];
        var tableId = reference?["tableId"]?.GetValue<string>();
        if (tableId is null)
        {
            return Error(400, "invalid", "The table has no tableReference.tableId.");
        }
        var name = $"{reference!["projectId"]?.GetValue<string>() ?? project}.{reference["datasetId"]?.GetValue<string>() ?? dataset}.{tableId}";
        if (_tables.ContainsKey(name))
        {
            return Error(409, "duplicate", $"Already Exists: Table {Reference(name)}");
        }
        if (body!["schema"]?["fields"] is not JsonArray { Count: > 0 } fields)
        {
            return Error(400, "invalid", $"FakeBigQuery (ZetaSQL mode) needs a schema to create table {Reference(name)}.");
        }
        IReadOnlyList<ZetaSqlColumn> columns;
        try
        {
            columns = Columns(fields);
        }
        catch (JobFailure e)
        {
            return Error(400, "invalid", e.Message);
        }
        var table = new ZetaSqlTable(name, columns, Now()) { ExpirationTime = body["expirationTime"]?.ToString() };
        _tables[name] = table;
        return (200, TableResource(table).ToJsonString());
    }

    private (int, string) GetTable(string name) =>
        _tables.TryGetValue(name, out var table) ? (200, TableResource(table).ToJsonString()) : NotFound($"Not found: Table {Reference(name)}");

    private (int, string) DeleteTable(string name) =>
        _tables.Remove(name) ? (204, "") : NotFound($"Not found: Table {Reference(name)}");

    private static JsonObject TableResource(ZetaSqlTable table)
    {
        var parts = table.Name.Split('.');
        var resource = new JsonObject
        {
            ["kind"] = "bigquery#table",
            ["id"] = Reference(table.Name),
            ["tableReference"] = new JsonObject { ["projectId"] = parts[0], ["datasetId"] = parts[1], ["tableId"] = string.Join('.', parts[2..]) },
            ["schema"] = Schema(table.Columns.Select(c => (c.Name, c.Type, c.Required ? "REQUIRED" : "NULLABLE"))),
            ["numRows"] = table.Rows.Count.ToString(CultureInfo.InvariantCulture),
            ["creationTime"] = table.CreationTime.ToString(CultureInfo.InvariantCulture),
            ["type"] = "TABLE",
        };
        if (table.ExpirationTime is { } expiration)
        {
            resource["expirationTime"] = expiration;
        }
        return resource;
    }

    private static JsonObject Schema(IEnumerable<(string Name, SqlType Type, string Mode)> fields) => new()
    {
        ["fields"] = new JsonArray([.. fields.Select(f => (JsonNode)new JsonObject
        {
            ["name"] = f.Name, ["type"] = BigQueryValues.LegacyName(f.Type), ["mode"] = f.Mode,
        })]),
    };

    private static List<ZetaSqlColumn> Columns(JsonArray fields) => fields.Select(f =>
    {
        var name = f?["name"]?.GetValue<string>() ?? throw new JobFailure("invalid", "A schema field has no name.");
        var mode = f["mode"]?.GetValue<string>()?.ToUpperInvariant() ?? "NULLABLE";
        if (mode == "REPEATED" || f["fields"] is not null)
        {
            throw new JobFailure("invalid", $"FakeBigQuery (ZetaSQL mode) holds no REPEATED or RECORD fields ({name}).");
        }
        try
        {
            return new ZetaSqlColumn(name, BigQueryValues.TypeOf(f["type"]?.GetValue<string>() ?? "STRING"), mode == "REQUIRED");
        }
        catch (NotSupportedException e)
        {
            throw new JobFailure("invalid", e.Message);
        }
    }).ToList();

    private ZetaSqlTable Table(string name) =>
        _tables.TryGetValue(name, out var table)
            ? table
            : throw new KeyNotFoundException($"FakeBigQuery has no table {name}; it has {string.Join(", ", _tables.Keys.Order(StringComparer.Ordinal))}.");

    /// <summary>The tables as ZetaSQL's catalog, under their full names.</summary>
    private BigQueryCatalog Catalog() =>
        _tables.Values.Aggregate(BigQueryCatalog.Empty,
            (catalog, t) => catalog.WithTable(t.Name, t.Columns.Select(c => new CatalogColumn(c.Name, c.Type)).ToList()));

    private async Task<T> LockedAsync<T>(Func<Task<T>> action)
    {
        await _gate.WaitAsync();
        try
        {
            return await action();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The DDL's NOT NULL columns, (table, column), as ZetaSQL resolves the DDL.</summary>
    private static async Task<HashSet<(string Table, string Column)>> RequiredColumnsAsync(ZetaSqlEngine engine, CancellationToken cancellationToken)
    {
        var required = new HashSet<(string, string)>();
        foreach (var statement in await engine.AnalyzeScriptAsync(Repository.Read(BigQueryCatalog.DdlPath), BigQueryCatalog.Empty, cancellationToken: cancellationToken))
        {
            var table = string.Join('.', Field(statement.Node, "name_path")!.AsArray().Select(p => p!.GetValue<string>()));
            foreach (var column in Field(statement.Node, "column_definition_list")?.AsArray() ?? [])
            {
                if (column?["annotations"]?["not_null"]?.GetValue<bool>() == true)
                {
                    required.Add((table, column["name"]!.GetValue<string>()));
                }
            }
        }
        return required;
    }

    /// <summary>A field of a resolved node or of one of its bases (nested as <c>parent</c>).</summary>
    private static JsonNode? Field(JsonObject node, string name)
    {
        for (JsonObject? n = node; n is not null; n = n["parent"] as JsonObject)
        {
            if (n[name] is { } value)
            {
                return value;
            }
        }
        return null;
    }

    private static JsonNode? Json(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static string Name(Match m) => $"{m.Groups[1].Value}.{m.Groups[2].Value}.{m.Groups[3].Value}";

    /// <summary>A table as BigQuery's messages name it: <c>project:dataset.table</c>.</summary>
    private static string Reference(string name)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? name : $"{name[..dot]}:{name[(dot + 1)..]}";
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static JsonObject Problem(string reason, string message) => new() { ["reason"] = reason, ["message"] = message };

    internal static (int, string) Error(int code, string reason, string message) => (code, new JsonObject
    {
        ["error"] = new JsonObject
        {
            ["code"] = code,
            ["message"] = message,
            ["errors"] = new JsonArray(new JsonObject { ["domain"] = "global", ["reason"] = reason, ["message"] = message }),
            ["status"] = code switch { 404 => "NOT_FOUND", 409 => "ALREADY_EXISTS", 503 => "UNAVAILABLE", _ => "INVALID_ARGUMENT" },
        },
    }.ToJsonString());

    private static (int, string) NotFound(string message) => Error(404, "notFound", message);

    [GeneratedRegex(@"^(?:/bigquery/v2)?/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)/insertAll$")]
    private static partial Regex InsertAllPath();

    [GeneratedRegex(@"^(?:/bigquery/v2)?/projects/([^/]+)/queries$")]
    private static partial Regex QueriesPath();

    [GeneratedRegex(@"^(?:/bigquery/v2)?/projects/([^/]+)/queries/([^/]+)$")]
    private static partial Regex QueryResultsPath();

    [GeneratedRegex(@"^(?:/bigquery/v2)?/projects/([^/]+)/datasets/([^/]+)/tables$")]
    private static partial Regex TablesPath();

    [GeneratedRegex(@"^(?:/bigquery/v2)?/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)$")]
    private static partial Regex TablePath();

    [GeneratedRegex(@"^(?:/bigquery/v2)?/projects/([^/]+)/datasets/([^/]+)$")]
    private static partial Regex DatasetPath();

    /// <summary>A row insertAll or a load refuses: the column (location) and BigQuery's kind of message.</summary>
    private sealed class RowFailure(string location, string message) : Exception(message)
    {
        public string Location { get; } = location;
    }

    /// <summary>A job that finishes DONE with this error result.</summary>
    private sealed class JobFailure(string reason, string message, IReadOnlyList<string>? details = null) : Exception(message)
    {
        public string Reason { get; } = reason;

        public IReadOnlyList<string> Details { get; } = details ?? [];
    }

    private sealed class ColumnComparer : IEqualityComparer<ZetaSqlColumn>
    {
        public static readonly ColumnComparer Instance = new();

        public bool Equals(ZetaSqlColumn? x, ZetaSqlColumn? y) =>
            x is not null && y is not null && string.Equals(x.Name, y.Name, StringComparison.OrdinalIgnoreCase) && x.Type.Kind == y.Type.Kind && x.Required == y.Required;

        public int GetHashCode(ZetaSqlColumn obj) => StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Name);
    }
}

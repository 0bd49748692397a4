using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.GoogleSql;

/// <summary>
/// ZetaSQL, GoogleSQL's reference engine, reached through <c>tests/zetasql/bridge.mjs</c> (a Node.js process that runs
/// the npm package's gRPC server and speaks JSON lines). Requests and responses are the messages of
/// <c>local_service.proto</c> as JSON with the protos' snake_case names; int64 values are strings, enums names.
/// Started once per run as an xunit collection fixture. Nothing here skips: without Node.js or the npm install,
/// every test of the collection fails saying so.
/// </summary>
public sealed class ZetaSqlEngine : IAsyncLifetime
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);

    /// <summary>What is analyzed: statement kinds beyond queries must be named, or ZetaSQL says "Statement not supported".</summary>
    private static readonly string[] s_statementKinds =
    [
        "RESOLVED_QUERY_STMT", "RESOLVED_INSERT_STMT", "RESOLVED_DELETE_STMT", "RESOLVED_UPDATE_STMT", "RESOLVED_MERGE_STMT",
        "RESOLVED_CREATE_TABLE_STMT", "RESOLVED_CREATE_TABLE_AS_SELECT_STMT", "RESOLVED_DROP_STMT",
        "RESOLVED_BEGIN_STMT", "RESOLVED_COMMIT_STMT", "RESOLVED_ROLLBACK_STMT", "RESOLVED_ASSERT_STMT",
    ];

    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonNode>> _pending = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;
    private Task? _reader;
    private long _nextId;
    private JsonObject? _languageOptions;

    /// <summary>
    /// GoogleSQL as BigQuery speaks it: every language feature, <c>PRODUCT_EXTERNAL</c> (FLOAT64, no PROTO types in
    /// DDL), and the statement kinds the tests analyze. A fresh copy each call (JSON nodes have one parent).
    /// </summary>
    public JsonObject LanguageOptions =>
        (JsonObject)(_languageOptions ?? throw new InvalidOperationException("The ZetaSQL engine has not started.")).DeepClone();

    public async Task InitializeAsync()
    {
        var bridge = Repository.PathOf(Path.Combine("tests", "zetasql", "bridge.mjs"));
        var package = Repository.PathOf(Path.Combine("tests", "zetasql", "node_modules", "@fivetrandevelopers", "zetasql"));
        if (!Directory.Exists(package))
        {
            throw new InvalidOperationException(
                $"ZetaSQL is not installed: {package} is missing. Building Pipeline.GoogleTests runs `npm ci` in tests/zetasql; run it there by hand if the build was skipped.");
        }
        var start = new ProcessStartInfo("node")
        {
            ArgumentList = { bridge },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned no process for node.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"Cannot start `node` ({e.Message}). The GoogleSQL tests run ZetaSQL through Node.js: install Node.js 18 or later.", e);
        }
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();
        _reader = Task.Run(ReadAsync);
        var ready = await Task.WhenAny(_ready.Task, Task.Delay(s_startTimeout));
        if (ready != _ready.Task)
        {
            throw new InvalidOperationException($"The ZetaSQL bridge did not report ready in {s_startTimeout.TotalSeconds} s. {StandardError()}");
        }
        await _ready.Task; // throws if the bridge exited first

        var options = (JsonObject)await CallAsync("GetLanguageOptions", new JsonObject { ["maximum_features"] = true });
        options["product_mode"] = "PRODUCT_EXTERNAL";
        options["supported_statement_kinds"] = new JsonArray([.. s_statementKinds.Select(k => JsonValue.Create(k))]);
        _languageOptions = options;
    }

    /// <summary>Calls one method of <c>ZetaSqlLocalService</c>; a gRPC error becomes a <see cref="ZetaSqlException"/>.</summary>
    public async Task<JsonNode> CallAsync(string method, JsonObject request, CancellationToken cancellationToken = default)
    {
        var process = _process ?? throw new InvalidOperationException("The ZetaSQL engine has not started.");
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var line = new JsonObject { ["id"] = id, ["method"] = method, ["request"] = request.DeepClone() }.ToJsonString();
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await process.StandardInput.WriteLineAsync(line.AsMemory(), cancellationToken);
            await process.StandardInput.FlushAsync(cancellationToken);
        }
        catch (IOException e)
        {
            _pending.TryRemove(id, out _);
            throw new InvalidOperationException($"The ZetaSQL bridge is gone. {StandardError()}", e);
        }
        finally
        {
            _writeLock.Release();
        }
        await using (cancellationToken.Register(() => { _pending.TryRemove(id, out _); answer.TrySetCanceled(cancellationToken); }))
        {
            return await answer.Task;
        }
    }

    /// <summary>Analyzer options: the language, named parameters of the given types, one-line error messages.</summary>
    public JsonObject AnalyzerOptions(IReadOnlyDictionary<string, SqlType>? parameterTypes = null) => new()
    {
        ["language_options"] = LanguageOptions,
        ["parameter_mode"] = "PARAMETER_NAMED",
        ["error_message_mode"] = "ERROR_MESSAGE_ONE_LINE",
        ["query_parameters"] = new JsonArray([.. (parameterTypes ?? new Dictionary<string, SqlType>())
            .Select(p => (JsonNode)new JsonObject { ["name"] = p.Key, ["type"] = p.Value.ToProto() })]),
    };

    /// <summary>Parses a whole script (DECLARE, IF, BEGIN … END too); returns the <c>ParseResponse</c>.</summary>
    public async Task<JsonObject> ParseScriptAsync(string sql, CancellationToken cancellationToken = default) =>
        (JsonObject)await CallAsync("Parse", new JsonObject
        {
            ["sql_statement"] = sql, ["allow_script"] = true, ["options"] = LanguageOptions,
        }, cancellationToken);

    /// <summary>
    /// Analyzes each statement of a script in turn against the catalog, with <c>parse_resume_location</c>. Script
    /// control statements (IF, DECLARE, blocks) cannot be analyzed as such: give the statements inside them.
    /// A statement that does not analyze throws, naming it and the engine's message.
    /// </summary>
    public async Task<IReadOnlyList<AnalyzedStatement>> AnalyzeScriptAsync(
        string sql, BigQueryCatalog catalog, IReadOnlyDictionary<string, SqlType>? parameterTypes = null,
        CancellationToken cancellationToken = default)
    {
        // The syntax of the whole first (its errors carry the script's line and column), and whether there is any statement.
        // The statements' own byte ranges (no comments, no semicolon) come from there too.
        var parsed = await ParseScriptAsync(sql, cancellationToken);
        if (parsed["parsed_script"]?["statement_list_node"]?["statement_list"] is not JsonArray { Count: > 0 } parsedStatements)
        {
            return [];
        }
        var bytes = Encoding.UTF8.GetBytes(sql);
        var options = AnalyzerOptions(parameterTypes);
        var simpleCatalog = catalog.ToProto(LanguageOptions);
        var statements = new List<AnalyzedStatement>();
        for (var position = 0; position < bytes.Length;)
        {
            JsonObject response;
            try
            {
                response = (JsonObject)await CallAsync("Analyze", new JsonObject
                {
                    ["options"] = options.DeepClone(),
                    ["simple_catalog"] = simpleCatalog.DeepClone(),
                    ["parse_resume_location"] = new JsonObject { ["input"] = sql, ["byte_position"] = position },
                }, cancellationToken);
            }
            catch (ZetaSqlException e)
            {
                var rest = Encoding.UTF8.GetString(bytes, position, bytes.Length - position).Trim();
                throw new ZetaSqlException(e.Code, $"{e.Details}{Environment.NewLine}in statement {statements.Count + 1}: {Truncate(rest, 400)}");
            }
            var next = response["resume_byte_position"]!.GetValue<int>();
            var range = statements.Count < parsedStatements.Count ? LocationOf(parsedStatements[statements.Count]!.AsObject()) : null;
            var (start, end) = range is null ? (position, next) : (range["start"]!.GetValue<int>(), range["end"]!.GetValue<int>());
            var text = Encoding.UTF8.GetString(bytes, start, end - start).Trim();
            var (kind, node) = Innermost((JsonObject)response["resolved_statement"]!);
            statements.Add(new AnalyzedStatement(text, kind, node));
            position = next; // after the last statement, ZetaSQL points past trailing blanks and comments: the end
        }
        return statements;
    }

    /// <summary>Runs a query on the reference evaluator over the given rows (table name → rows in column order).</summary>
    public async Task<QueryResult> EvaluateQueryAsync(
        string sql, BigQueryCatalog catalog, IReadOnlyDictionary<string, IReadOnlyList<object?[]>> tables,
        IReadOnlyDictionary<string, object> parameters, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync("EvaluateQuery", EvaluateRequest(sql, catalog, tables, parameters), cancellationToken);
        var columns = (response["prepared"]?["columns"]?.AsArray() ?? [])
            .Select(c => new ResultColumn(c!["name"]!.GetValue<string>(), c["type"]!["type_kind"]!.GetValue<string>()))
            .ToList();
        var rows = (response["content"]?["table_data"]?["row"]?.AsArray() ?? []).Select(r => Cells(r!["cell"])).ToList();
        return new QueryResult(columns, rows);
    }

    /// <summary>
    /// Runs one INSERT, UPDATE or DELETE on the reference evaluator and returns the rows it touched (it changes
    /// nothing: the tables are the request's). Seen with ZetaSQL 1.13.0 on tables without a primary key (as the
    /// catalog's are): INSERT gives one INSERT row per inserted row with all its cells; UPDATE one UPDATE row per
    /// matched row with all its new cells; DELETE one DELETE row per deleted row with no cells at all (and no old
    /// primary key), so only the count says what went; a statement that touches nothing gives no rows.
    /// </summary>
    public async Task<ModifyResult> EvaluateModifyAsync(
        string sql, BigQueryCatalog catalog, IReadOnlyDictionary<string, IReadOnlyList<object?[]>> tables,
        IReadOnlyDictionary<string, object> parameters, CancellationToken cancellationToken = default)
    {
        var response = await CallAsync("EvaluateModify", EvaluateRequest(sql, catalog, tables, parameters), cancellationToken);
        var rows = (response["content"]?.AsArray() ?? [])
            .Select(r => new ModifiedRow(r!["operation"]!.GetValue<string>(), Cells(r["cell"])))
            .ToList();
        return new ModifyResult(response["table_name"]!.GetValue<string>(), rows);
    }

    public async Task DisposeAsync()
    {
        if (_process is { } process)
        {
            try
            {
                process.StandardInput.Close(); // the bridge then kills the server and exits
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
            if (_reader is not null)
            {
                await _reader;
            }
            process.Dispose();
        }
        _writeLock.Dispose();
    }

    private JsonObject EvaluateRequest(
        string sql, BigQueryCatalog catalog, IReadOnlyDictionary<string, IReadOnlyList<object?[]>> tables,
        IReadOnlyDictionary<string, object> parameters)
    {
        var content = new JsonObject();
        foreach (var (name, rows) in tables)
        {
            var columns = catalog.ColumnsOf(name);
            content[name] = new JsonObject
            {
                ["table_data"] = new JsonObject
                {
                    ["row"] = new JsonArray([.. rows.Select(row => (JsonNode)new JsonObject { ["cell"] = Row(name, columns, row) })]),
                },
            };
        }
        return new JsonObject
        {
            ["sql"] = sql,
            ["options"] = AnalyzerOptions(parameters.ToDictionary(p => p.Key, p => SqlType.Of(p.Value))),
            ["simple_catalog"] = catalog.ToProto(LanguageOptions),
            ["table_content"] = content,
            ["params"] = new JsonArray([.. parameters.Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p.Key, ["value"] = SqlType.Of(p.Value).ToValue(p.Value),
            })]),
        };
    }

    private static JsonArray Row(string table, IReadOnlyList<CatalogColumn> columns, object?[] row)
    {
        if (row.Length != columns.Count)
        {
            throw new ArgumentException($"A row of {table} has {row.Length} values; the table has {columns.Count} columns.");
        }
        return new JsonArray([.. row.Select((value, i) => (JsonNode)columns[i].Type.ToValue(value))]);
    }

    private static object?[] Cells(JsonNode? cells) => (cells?.AsArray() ?? []).Select(c => SqlType.FromValue((JsonObject)c!)).ToArray();

    /// <summary>
    /// The innermost member of the nested <c>node</c> oneofs of an <c>AnyResolvedStatementProto</c> and its kind,
    /// e.g. resolved_create_statement_node → … → resolved_create_table_stmt_node: RESOLVED_CREATE_TABLE_STMT.
    /// </summary>
    private static (string Kind, JsonObject Node) Innermost(JsonObject node)
    {
        while (node["node"]?.GetValue<string>() is { } member && node[member] is JsonObject inner)
        {
            if (inner["node"] is null)
            {
                return (member[..^"_node".Length].ToUpperInvariant(), inner);
            }
            node = inner;
        }
        throw new InvalidOperationException($"Not a resolved statement: {Truncate(node.ToJsonString(), 200)}");
    }

    /// <summary>The <c>parse_location_range</c> of a parsed node: on the node, its oneof member or its bases.</summary>
    private static JsonObject? LocationOf(JsonObject node) =>
        node["parse_location_range"] as JsonObject
        ?? (node["node"] is JsonValue member && member.TryGetValue<string>(out var name) && node[name] is JsonObject inner ? LocationOf(inner) : null)
        ?? (node["parent"] is JsonObject parent ? LocationOf(parent) : null);

    private async Task ReadAsync()
    {
        var output = _process!.StandardOutput;
        try
        {
            while (await output.ReadLineAsync() is { } line)
            {
                var message = JsonNode.Parse(line)!.AsObject();
                if (message["ready"] is not null)
                {
                    _ready.TrySetResult();
                }
                else if (_pending.TryRemove(message["id"]!.GetValue<long>(), out var answer))
                {
                    if (message["error"] is JsonObject error)
                    {
                        answer.TrySetException(new ZetaSqlException(error["code"]?.GetValue<int>() ?? -1, error["details"]?.GetValue<string>() ?? ""));
                    }
                    else
                    {
                        answer.TrySetResult(message["response"]!);
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidOperationException)
        {
            // Reported below to whoever waits.
        }
        // The bridge has exited: nothing pending will be answered.
        await _process.WaitForExitAsync();
        var gone = new InvalidOperationException($"The ZetaSQL bridge exited (code {_process.ExitCode}). {StandardError()}");
        _ready.TrySetException(gone);
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var answer))
            {
                answer.TrySetException(gone);
            }
        }
    }

    private string StandardError()
    {
        lock (_stderr)
        {
            return _stderr.Length == 0 ? "" : "Its standard error: " + Truncate(_stderr.ToString(), 2000);
        }
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "…";
}

/// <summary>An error from ZetaSQL: the gRPC status code and the engine's text (e.g. <c>Syntax error: … [at 1:8]</c>).</summary>
public sealed class ZetaSqlException(int code, string details) : Exception(details)
{
    public int Code { get; } = code;

    public string Details { get; } = details;
}

/// <summary>
/// One statement of a script: its text, its resolved kind (e.g. <c>RESOLVED_INSERT_STMT</c>) and its resolved node
/// (e.g. a <c>ResolvedInsertStmtProto</c>, whose base classes' fields sit under <c>parent</c>).
/// </summary>
public sealed record AnalyzedStatement(string Sql, string Kind, JsonObject Node);

public sealed record ResultColumn(string Name, string TypeKind);

/// <summary>A query's answer; cells are long, double, string, bool, DateTime (UTC), DateOnly or null.</summary>
public sealed record QueryResult(IReadOnlyList<ResultColumn> Columns, IReadOnlyList<object?[]> Rows);

/// <summary>A row a DML statement touched: INSERT, UPDATE or DELETE, with its cells (none for DELETE).</summary>
public sealed record ModifiedRow(string Operation, object?[] Cells);

public sealed record ModifyResult(string TableName, IReadOnlyList<ModifiedRow> Rows);

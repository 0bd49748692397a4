using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Pipeline.Tests.GoogleSql;

namespace Pipeline.Tests.Fixtures;

// jobs.query, jobs.getQueryResults and query jobs (jobs.insert): a query or script, parsed by ZetaSQL, then executed
// statement by statement, each analyzed (parse_resume_location) against the tables as they are at that point.
internal sealed partial class ZetaSqlBigQuery
{
    /// <summary>What a query or script came to: an error, or the last SELECT's result and the last DML's row count.</summary>
    private sealed record ScriptOutcome(string? Error, Selected? Result, long? DmlAffectedRows, string? StatementType)
    {
        public static ScriptOutcome Failed(string error) => new(error, null, null, null);
    }

    /// <summary>A statement that fails (the script then fails, and an open transaction is rolled back).</summary>
    private sealed class StatementFailure(string message) : Exception(message);

    private async Task<(int, string)> QueryAsync(string project, JsonNode? body)
    {
        if (body?["query"]?.GetValue<string>() is not { } sql)
        {
            return Error(400, "invalid", "Required parameter is missing: query");
        }
        var location = body["location"]?.GetValue<string>() ?? "US";
        var jobId = "job_" + Guid.NewGuid().ToString("N");
        var outcome = await RunAsync(body, jobId);
        var int64Timestamp = body["formatOptions"]?["useInt64Timestamp"]?.GetValue<bool>() == true;
        if (body["jobCreationMode"]?.GetValue<string>() == "JOB_CREATION_OPTIONAL")
        {
            // The short-query mode: this fake runs every query at once and answers it in one page, so it never needs
            // a job — the answer carries a queryId and no jobReference, and getQueryResults has nothing to read.
            if (outcome.Error is { } failed)
            {
                return Error(400, "invalidQuery", failed);
            }
            var answer = QueryResponse("bigquery#queryResponse", null, outcome, int64Timestamp);
            answer["queryId"] = "query_" + Guid.NewGuid().ToString("N");
            answer["location"] = location;
            return (200, answer.ToJsonString());
        }
        var reference = new JsonObject { ["projectId"] = project, ["jobId"] = jobId, ["location"] = location };
        _results[jobId] = outcome;
        var job = new JsonObject
        {
            ["kind"] = "bigquery#job",
            ["jobReference"] = reference.DeepClone(),
            ["configuration"] = new JsonObject
            {
                ["jobType"] = "QUERY",
                ["query"] = new JsonObject
                {
                    ["query"] = sql,
                    ["queryParameters"] = body["queryParameters"]?.DeepClone(),
                    ["useLegacySql"] = false,
                    ["parameterMode"] = body["parameterMode"]?.DeepClone(),
                },
            },
            ["status"] = Status(outcome),
            ["statistics"] = Statistics(outcome),
        };
        _jobs[jobId] = job;
        return outcome.Error is { } error
            ? Error(400, "invalidQuery", error)
            : (200, QueryResponse("bigquery#queryResponse", reference, outcome, int64Timestamp).ToJsonString());
    }

    private (int, string) QueryResults(string project, string jobId, string query)
    {
        if (!_results.TryGetValue(jobId, out var outcome) || !_jobs.TryGetValue(jobId, out var job))
        {
            return NotFound($"Not found: Job {project}:{jobId}");
        }
        if (outcome.Error is { } error)
        {
            return Error(400, "invalidQuery", error);
        }
        var int64 = QueryHelpers.ParseQuery(query).TryGetValue("formatOptions.useInt64Timestamp", out var flag) && flag.ToString() == "true";
        return (200, QueryResponse("bigquery#getQueryResultsResponse", job["jobReference"]!.DeepClone(), outcome, int64).ToJsonString());
    }

    /// <summary>
    /// Runs a query job inserted with jobs.insert (the job as <see cref="FakeBigQuery"/> made it, DONE): sets its
    /// status (an error result when the script fails) and statistics. Returns why the fake cannot run the job at
    /// all (not a query job), then nothing ran.
    /// </summary>
    public async Task<string?> RunJobAsync(JsonObject job)
    {
        if (job["configuration"]?["query"] is not JsonObject query)
        {
            var kinds = (job["configuration"] as JsonObject)?.Select(p => p.Key).Where(k => k is not ("labels" or "jobTimeoutMs" or "dryRun")) ?? [];
            return $"FakeBigQuery (ZetaSQL mode) runs query jobs and loads whose data is uploaded with the job, not this job ({string.Join(", ", kinds)}).";
        }
        var jobId = job["jobReference"]!["jobId"]!.GetValue<string>();
        var outcome = await RunAsync(query, jobId);
        _results[jobId] = outcome;
        job["configuration"]!["jobType"] = "QUERY";
        job["status"] = Status(outcome);
        job["statistics"] = Statistics(outcome);
        return null;
    }

    /// <summary>A jobs.query body or a job's configuration.query: GoogleSQL with NAMED parameters.</summary>
    private async Task<ScriptOutcome> RunAsync(JsonNode request, string jobId)
    {
        var sql = request["query"]?.GetValue<string>() ?? "";
        if (request["useLegacySql"]?.GetValue<bool>() != false)
        {
            return ScriptOutcome.Failed("FakeBigQuery (ZetaSQL mode) runs GoogleSQL only: send useLegacySql false (BigQuery's default is legacy SQL).");
        }
        List<Parameter> parameters;
        try
        {
            parameters = Parameters(request);
        }
        catch (StatementFailure e)
        {
            return ScriptOutcome.Failed(e.Message);
        }
        return await RunScriptAsync(sql, parameters, jobId);
    }

    private static List<Parameter> Parameters(JsonNode request)
    {
        var list = request["queryParameters"] as JsonArray ?? [];
        var mode = request["parameterMode"]?.GetValue<string>()?.ToUpperInvariant();
        if (list.Count > 0 && mode != "NAMED")
        {
            throw new StatementFailure($"FakeBigQuery (ZetaSQL mode) takes NAMED parameters only (parameterMode is {mode ?? "not set"}).");
        }
        var parameters = new List<Parameter>();
        foreach (var item in list)
        {
            var name = item?["name"]?.GetValue<string>() ?? throw new StatementFailure("A query parameter has no name.");
            var typeName = item["parameterType"]?["type"]?.GetValue<string>() ?? throw new StatementFailure($"Query parameter {name} has no parameterType.type.");
            SqlType type;
            try
            {
                type = BigQueryValues.TypeOf(typeName);
            }
            catch (NotSupportedException e)
            {
                throw new StatementFailure($"Query parameter {name}: {e.Message}");
            }
            if (parameters.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new StatementFailure($"Duplicate query parameter {name}.");
            }
            var text = item["parameterValue"]?["value"]?.GetValue<string>();
            try
            {
                parameters.Add(new Parameter(name, type, BigQueryValues.FromText(type, text)));
            }
            catch (FormatException e)
            {
                throw new StatementFailure($"Invalid value for query parameter {name}: {e.Message}");
            }
        }
        return parameters;
    }

    /// <summary>
    /// Parses the script, then analyzes and executes one statement at a time, each under the lock (statements of
    /// concurrent scripts interleave; <see cref="BeforeStatement"/> runs between them). A failing statement fails the
    /// script; inside a transaction everything the transaction did is discarded.
    /// </summary>
    private async Task<ScriptOutcome> RunScriptAsync(string sql, IReadOnlyList<Parameter> parameters, string jobId)
    {
        var types = ParameterTypes(parameters);
        JsonObject parsed;
        try
        {
            parsed = await _engine.ParseScriptAsync(sql);
        }
        catch (ZetaSqlException e)
        {
            return ScriptOutcome.Failed(e.Details);
        }
        var bytes = Encoding.UTF8.GetBytes(sql);
        var top = parsed["parsed_script"]?["statement_list_node"]?["statement_list"] as JsonArray ?? [];
        if (top.Count == 0)
        {
            return ScriptOutcome.Failed("Syntax error: the query holds no statement.");
        }
        if (top.FirstOrDefault(s => s?["ast_script_statement_node"] is not null) is { } control)
        {
            return ScriptOutcome.Failed(
                $"FakeBigQuery (ZetaSQL mode) cannot execute script control statements (DECLARE, SET, IF, loops, BEGIN … END blocks): {SourceOf(bytes, control)}");
        }
        var options = _engine.AnalyzerOptions(types);
        Transaction? transaction = null;
        Selected? result = null;
        long? affected = null;
        string? statementType = null;
        var number = 0;
        var text = "";
        try
        {
            for (var position = 0; position < bytes.Length;)
            {
                JsonObject response;
                BigQueryCatalog catalog;
                await _gate.WaitAsync();
                var committed = _tables;
                try
                {
                    _tables = transaction?.Private ?? committed;
                    catalog = Catalog();
                    response = (JsonObject)await _engine.CallAsync("Analyze", new JsonObject
                    {
                        ["options"] = options.DeepClone(),
                        ["simple_catalog"] = catalog.ToProto(_engine.LanguageOptions),
                        ["parse_resume_location"] = new JsonObject { ["input"] = sql, ["byte_position"] = position },
                    });
                }
                catch (ZetaSqlException e)
                {
                    text = Encoding.UTF8.GetString(bytes, position, bytes.Length - position).Trim();
                    number++;
                    throw new StatementFailure(e.Details);
                }
                finally
                {
                    _tables = committed;
                    _gate.Release();
                }
                var next = response["resume_byte_position"]?.GetValue<int>() ?? bytes.Length;
                if (next <= position)
                {
                    throw new StatementFailure($"FakeBigQuery: ZetaSQL did not get past byte {position} of the script.");
                }
                text = Encoding.UTF8.GetString(bytes, position, next - position).Trim().TrimEnd(';').TrimEnd();
                position = next;
                number++;
                var (kind, node) = Innermost((JsonObject)response["resolved_statement"]!);
                var executed = new ExecutedStatement(text, kind, types, catalog);
                lock (_statements)
                {
                    _statements.Add(executed);
                }
                if (BeforeStatement is { } hook)
                {
                    await hook(jobId, executed);
                }
                statementType = StatementType(kind);
                await _gate.WaitAsync();
                committed = _tables;
                try
                {
                    _tables = transaction?.Private ?? committed;
                    switch (kind)
                    {
                        case "RESOLVED_QUERY_STMT":
                            result = await EvaluateQueryAsync(text, node, parameters);
                            break;
                        case "RESOLVED_INSERT_STMT":
                            affected = ApplyInsert(await EvaluateModifyAsync(text, node, parameters, positions: false));
                            break;
                        case "RESOLVED_DELETE_STMT":
                            var deleted = Unqueued(await EvaluateModifyAsync(text, node, parameters, positions: true), transaction);
                            affected = ApplyDelete(deleted);
                            Mutated(deleted.Table, affected.Value, transaction, committed);
                            break;
                        case "RESOLVED_UPDATE_STMT":
                            var updated = Unqueued(await EvaluateModifyAsync(text, node, parameters, positions: true), transaction);
                            affected = ApplyUpdate(updated);
                            Mutated(updated.Table, affected.Value, transaction, committed);
                            break;
                        case "RESOLVED_BEGIN_STMT":
                            transaction = transaction is null ? Begin(committed) : throw new StatementFailure("Nested transactions are not supported: a transaction is already active.");
                            break;
                        case "RESOLVED_COMMIT_STMT":
                            Commit(transaction ?? throw new StatementFailure("COMMIT TRANSACTION: there is no active transaction."), committed);
                            transaction = null;
                            break;
                        case "RESOLVED_ROLLBACK_STMT":
                            End(transaction ?? throw new StatementFailure("ROLLBACK TRANSACTION: there is no active transaction."));
                            transaction = null;
                            break;
                        case "RESOLVED_DROP_STMT":
                            Drop(node);
                            break;
                        case "RESOLVED_CREATE_TABLE_STMT":
                            Create(node);
                            break;
                        case "RESOLVED_ASSERT_STMT":
                            await AssertAsync(text, node, parameters);
                            break;
                        default:
                            throw new StatementFailure($"FakeBigQuery (ZetaSQL mode) cannot execute {kind}: {Truncate(text, 300)}");
                    }
                }
                catch (ZetaSqlException e)
                {
                    throw new StatementFailure(e.Details);
                }
                finally
                {
                    _tables = committed;
                    _gate.Release();
                }
            }
            if (transaction is not null)
            {
                End(transaction);
                return ScriptOutcome.Failed("The transaction is still active at the end of the script: it was rolled back (end it with COMMIT TRANSACTION).");
            }
            return new ScriptOutcome(null, result, number == 1 ? affected : null, number == 1 ? statementType : "SCRIPT");
        }
        catch (StatementFailure e)
        {
            if (transaction is not null)
            {
                End(transaction);
            }
            var where = e.Message.Contains(Truncate(text, 300), StringComparison.Ordinal) ? "" : $": {Truncate(text, 300)}";
            return ScriptOutcome.Failed(top.Count > 1 || number > 1 ? $"{e.Message} (statement {number} of the script{where})" : e.Message);
        }
    }

    /// <summary>
    /// <c>ASSERT expression [AS 'description']</c>: the expression, evaluated as <c>SELECT (expression)</c> over the
    /// tables as they are now with the request's parameters, must be TRUE; FALSE or NULL fails the statement with the
    /// description (BigQuery's error text), or "Assertion failed" without one.
    /// </summary>
    private async Task AssertAsync(string sql, JsonObject analyzed, IReadOnlyList<Parameter> parameters)
    {
        var expression = await AssertedExpressionAsync(sql);
        var selected = await EvaluateQueryAsync($"SELECT ({expression})", analyzed, parameters);
        if (selected.Rows is not [[var value]] || value is not (bool or null))
        {
            throw new StatementFailure($"FakeBigQuery: ASSERT's expression gave no single BOOL value: {Truncate(sql, 300)}");
        }
        if (value is not true)
        {
            var description = analyzed["description"]?.GetValue<string>();
            throw new StatementFailure(string.IsNullOrEmpty(description) ? "Assertion failed" : description);
        }
    }

    /// <summary>
    /// The source text of an ASSERT's expression: what lies between the keyword ASSERT and the end of the statement,
    /// or <c>AS 'description'</c> (the parser's own ranges of the expression leave out a parenthesised operand's
    /// parentheses, so the statement's and the description's ranges are used).
    /// </summary>
    private async Task<string> AssertedExpressionAsync(string sql)
    {
        var parsed = (JsonObject)await _engine.CallAsync("Parse", new JsonObject { ["sql_statement"] = sql, ["options"] = _engine.LanguageOptions });
        var assert = parsed["parsed_statement"]?["ast_assert_statement_node"] as JsonObject
            ?? throw new StatementFailure($"FakeBigQuery: ZetaSQL did not parse an ASSERT statement: {Truncate(sql, 300)}");
        var bytes = Encoding.UTF8.GetBytes(sql);
        var statement = Location(assert) ?? throw new StatementFailure($"FakeBigQuery: the ASSERT statement has no location: {Truncate(sql, 300)}");
        var start = statement.Start + "ASSERT".Length;
        var end = statement.End;
        if (assert["description"] is JsonObject description && Location(description) is { } literal)
        {
            end = literal.Start;
        }
        var expression = Encoding.UTF8.GetString(bytes, start, end - start).Trim();
        if (assert["description"] is not null)
        {
            expression = expression.EndsWith("AS", StringComparison.OrdinalIgnoreCase)
                ? expression[..^2].TrimEnd()
                : throw new StatementFailure($"FakeBigQuery: no AS before ASSERT's description: {Truncate(sql, 300)}");
        }
        return expression;
    }

    /// <summary>A parsed node's <c>parse_location_range</c>, on the node or one of its bases (nested as <c>parent</c>).</summary>
    private static (int Start, int End)? Location(JsonObject node)
    {
        for (JsonObject? n = node; n is not null; n = n["parent"] as JsonObject)
        {
            if (n["parse_location_range"] is JsonObject range)
            {
                return (range["start"]?.GetValue<int>() ?? 0, range["end"]?.GetValue<int>() ?? 0);
            }
        }
        return null;
    }

    private long ApplyInsert(Modified modified)
    {
        var table = Target(modified);
        var rows = new List<object?[]>();
        foreach (var row in modified.Rows)
        {
            if (row.Operation != "INSERT" || row.Cells.Length != table.Columns.Count)
            {
                throw new StatementFailure($"FakeBigQuery: an INSERT gave a {row.Operation} row of {row.Cells.Length} cells for {table.Columns.Count} columns.");
            }
            rows.Add(Required(table, row.Cells));
        }
        table.Rows.AddRange(rows);
        return rows.Count;
    }

    private long ApplyDelete(Modified modified)
    {
        var table = Target(modified);
        var gone = new HashSet<int>();
        foreach (var row in modified.Rows)
        {
            if (row.Operation != "DELETE" || row.Position is not { } position || position < 0 || position >= table.Rows.Count || !gone.Add(position))
            {
                throw new StatementFailure($"FakeBigQuery: a DELETE gave a {row.Operation} row at position {row.Position?.ToString(CultureInfo.InvariantCulture) ?? "none"}.");
            }
        }
        table.Rows = table.Rows.Where((_, i) => !gone.Contains(i)).ToList();
        return gone.Count;
    }

    private long ApplyUpdate(Modified modified)
    {
        var table = Target(modified);
        var rows = new List<object?[]>(table.Rows);
        foreach (var row in modified.Rows)
        {
            if (row.Operation != "UPDATE" || row.Position is not { } position || position < 0 || position >= rows.Count
                || row.Cells.Length != table.Columns.Count + 1)
            {
                throw new StatementFailure($"FakeBigQuery: an UPDATE gave a {row.Operation} row of {row.Cells.Length} cells at position {row.Position?.ToString(CultureInfo.InvariantCulture) ?? "none"}.");
            }
            rows[position] = Required(table, row.Cells[..^1]); // the last cell is the row's position
        }
        table.Rows = rows;
        return modified.Rows.Count;
    }

    private ZetaSqlTable Target(Modified modified) =>
        _tables.TryGetValue(modified.Table, out var table) ? table : throw new StatementFailure($"Not found: Table {Reference(modified.Table)}");

    private static object?[] Required(ZetaSqlTable table, object?[] cells) =>
        MissingRequired(table, cells) is { } column
            ? throw new StatementFailure($"Required field {column} of {Reference(table.Name)} cannot be NULL.")
            : cells;

    private void Drop(JsonObject node)
    {
        var objectType = node["object_type"]?.GetValue<string>();
        var name = string.Join('.', node["name_path"]!.AsArray().Select(p => p!.GetValue<string>()));
        if (objectType != "TABLE")
        {
            throw new StatementFailure($"FakeBigQuery (ZetaSQL mode) drops tables only, not {objectType} {name}.");
        }
        if (!_tables.Remove(name) && node["is_if_exists"]?.GetValue<bool>() != true)
        {
            throw new StatementFailure($"Not found: Table {Reference(name)}");
        }
    }

    private void Create(JsonObject node)
    {
        var name = string.Join('.', Field(node, "name_path")!.AsArray().Select(p => p!.GetValue<string>()));
        var mode = Field(node, "create_mode")?.GetValue<string>();
        var scope = Field(node, "create_scope")?.GetValue<string>();
        if (name.Split('.').Length < 3 || scope is not (null or "CREATE_DEFAULT_SCOPE"))
        {
            throw new StatementFailure($"FakeBigQuery (ZetaSQL mode) creates tables named `project.dataset.table` only (no default dataset, no TEMP tables): {name}.");
        }
        var columns = (Field(node, "column_definition_list")?.AsArray() ?? []).Select(c =>
        {
            var type = SqlType.FromProto(c!["type"]!);
            var column = c["name"]!.GetValue<string>();
            return BigQueryValues.IsSupported(type)
                ? new ZetaSqlColumn(column, type, c["annotations"]?["not_null"]?.GetValue<bool>() == true)
                : throw new StatementFailure($"FakeBigQuery (ZetaSQL mode) holds no {type.Kind} column ({column}).");
        }).ToList();
        if (_tables.ContainsKey(name) && mode != "CREATE_OR_REPLACE")
        {
            if (mode == "CREATE_IF_NOT_EXISTS")
            {
                return;
            }
            throw new StatementFailure($"Already Exists: Table {Reference(name)}");
        }
        _tables[name] = new ZetaSqlTable(name, columns, Now());
    }


    /// <summary>A complete answer with every row; without <c>jobReference</c> when <paramref name="reference"/> is null (no job).</summary>
    private static JsonObject QueryResponse(string kind, JsonNode? reference, ScriptOutcome outcome, bool int64Timestamp)
    {
        var response = new JsonObject
        {
            ["kind"] = kind,
            ["jobComplete"] = true,
            ["cacheHit"] = false,
            ["totalBytesProcessed"] = "0",
        };
        if (reference is not null)
        {
            response["jobReference"] = reference;
        }
        if (outcome.Result is { } result)
        {
            var anonymous = 0;
            response["schema"] = Schema(result.Columns.Select(c =>
                (c.Name.Length == 0 || c.Name.StartsWith('$') ? $"f{anonymous++}_" : c.Name, c.Type, "NULLABLE")));
            response["rows"] = new JsonArray([.. result.Rows.Select(row => (JsonNode)new JsonObject
            {
                ["f"] = new JsonArray([.. row.Select(cell => (JsonNode)new JsonObject { ["v"] = BigQueryValues.ToCell(cell, int64Timestamp) })]),
            })]);
            response["totalRows"] = result.Rows.Count.ToString(CultureInfo.InvariantCulture);
        }
        if (outcome.DmlAffectedRows is { } affected)
        {
            response["numDmlAffectedRows"] = affected.ToString(CultureInfo.InvariantCulture);
        }
        return response;
    }

    private static JsonObject Status(ScriptOutcome outcome)
    {
        var status = new JsonObject { ["state"] = "DONE" };
        if (outcome.Error is { } error)
        {
            status["errorResult"] = new JsonObject { ["reason"] = "invalidQuery", ["location"] = "query", ["message"] = error };
            status["errors"] = new JsonArray(new JsonObject { ["reason"] = "invalidQuery", ["location"] = "query", ["message"] = error });
        }
        return status;
    }

    private static JsonObject Statistics(ScriptOutcome outcome)
    {
        var now = Now().ToString(CultureInfo.InvariantCulture);
        var query = new JsonObject { ["totalBytesProcessed"] = "0" };
        if (outcome.StatementType is { } type)
        {
            query["statementType"] = type;
        }
        if (outcome.DmlAffectedRows is { } affected)
        {
            query["numDmlAffectedRows"] = affected.ToString(CultureInfo.InvariantCulture);
        }
        return new JsonObject { ["creationTime"] = now, ["startTime"] = now, ["endTime"] = now, ["query"] = query };
    }

    private static string StatementType(string kind) => kind switch
    {
        "RESOLVED_QUERY_STMT" => "SELECT",
        "RESOLVED_DROP_STMT" => "DROP_TABLE",
        "RESOLVED_BEGIN_STMT" => "BEGIN_TRANSACTION",
        "RESOLVED_COMMIT_STMT" => "COMMIT_TRANSACTION",
        "RESOLVED_ROLLBACK_STMT" => "ROLLBACK_TRANSACTION",
        _ => kind.Replace("RESOLVED_", "", StringComparison.Ordinal).Replace("_STMT", "", StringComparison.Ordinal),
    };

    /// <summary>The innermost member of the nested <c>node</c> oneofs of a resolved statement, and its kind (RESOLVED_…_STMT).</summary>
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
        throw new StatementFailure($"FakeBigQuery: not a resolved statement: {Truncate(node.ToJsonString(), 200)}");
    }

    /// <summary>The source text of a parsed statement: its widest <c>parse_location_range</c> (its own; its parts' are inside).</summary>
    private static string SourceOf(byte[] script, JsonNode statement)
    {
        var (from, to) = (0, script.Length);
        var widest = -1;
        var pending = new Stack<JsonNode>([statement]);
        while (pending.TryPop(out var current))
        {
            if (current is JsonObject o)
            {
                if (o["parse_location_range"] is JsonObject range)
                {
                    var start = range["start"]?.GetValue<int>() ?? 0;
                    var end = range["end"]?.GetValue<int>() ?? 0;
                    if (end - start > widest && start >= 0 && end <= script.Length)
                    {
                        (from, to, widest) = (start, end, end - start);
                    }
                }
                foreach (var (_, child) in o)
                {
                    if (child is JsonObject or JsonArray)
                    {
                        pending.Push(child);
                    }
                }
            }
            else if (current is JsonArray a)
            {
                foreach (var child in a.OfType<JsonNode>())
                {
                    pending.Push(child);
                }
            }
        }
        return Truncate(Encoding.UTF8.GetString(script, from, to - from), 300);
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "…";
}

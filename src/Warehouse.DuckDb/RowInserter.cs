using System.Text;
using DuckDB.NET.Data;

namespace Pipeline.Warehouse.DuckDb;

/// <summary>
/// Inserts rows with bound parameters, many rows per statement, skipping rows whose key is already stored.
/// Statement texts are cached per (table, row count); only placeholders vary, never values.
/// </summary>
internal sealed class RowInserter(string table, IReadOnlyList<string> columns)
{
    private const int RowsPerStatement = 128;
    private readonly Dictionary<int, string> _statements = [];

    public void Insert<TRow>(
        DuckDBConnection connection, IReadOnlyList<TRow> rows, Func<TRow, object?[]> values, CancellationToken cancellationToken)
    {
        for (var start = 0; start < rows.Count; start += RowsPerStatement)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(RowsPerStatement, rows.Count - start);
            using var command = connection.CreateCommand();
            command.CommandText = Statement(count);
            for (var i = start; i < start + count; i++)
            {
                foreach (var value in values(rows[i]))
                {
                    command.Parameters.Add(new DuckDBParameter(value ?? DBNull.Value));
                }
            }
            command.ExecuteNonQuery();
        }
    }

    private string Statement(int rowCount)
    {
        lock (_statements)
        {
            if (!_statements.TryGetValue(rowCount, out var sql))
            {
                var text = new StringBuilder($"INSERT INTO {DuckDbSchema.Quote(table)} ({string.Join(", ", columns)}) VALUES ");
                for (var row = 0; row < rowCount; row++)
                {
                    text.Append(row == 0 ? "(" : ", (");
                    text.AppendJoin(", ", Enumerable.Repeat("?", columns.Count));
                    text.Append(')');
                }
                text.Append(" ON CONFLICT DO NOTHING");
                _statements[rowCount] = sql = text.ToString();
            }
            return sql;
        }
    }
}

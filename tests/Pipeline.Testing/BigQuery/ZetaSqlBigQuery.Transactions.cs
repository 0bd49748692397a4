using System.Globalization;

namespace Pipeline.Tests.Fixtures;

// Multi-statement transactions as BigQuery documents their concurrency ("Multi-statement transactions", Transaction
// concurrency; the class comment lists what is and is not modeled): a snapshot at BEGIN, private writes, and at
// COMMIT the first committer wins among transactions that mutated (UPDATE/DELETE of at least one row) one table.
internal sealed partial class ZetaSqlBigQuery
{
    private readonly HashSet<Transaction> _open = [];
    private long _commitSequence;
    private long _transactions;

    /// <summary>
    /// Runs before each statement of every script (queries and query jobs), outside the lock, with the job's id (a
    /// jobs.query's own id) and the statement about to run: a test can hold a script there, e.g. before
    /// <c>COMMIT TRANSACTION</c>, while others run.
    /// </summary>
    public Func<string, ExecutedStatement, Task>? BeforeStatement { get; set; }

    /// <summary>
    /// An open transaction: its private copy of the tables (the snapshot at BEGIN plus its own writes), the rows each
    /// table held at BEGIN (to tell what it added and removed), the commit sequence it started at, and the tables it
    /// mutated.
    /// </summary>
    private sealed class Transaction(long id, long start, Dictionary<string, ZetaSqlTable> tables)
    {
        public string Id { get; } = "txn_" + id.ToString(CultureInfo.InvariantCulture);

        public long Start { get; } = start;

        public Dictionary<string, ZetaSqlTable> Private { get; } = tables.ToDictionary(t => t.Key, t => t.Value.Clone(), StringComparer.Ordinal);

        public Dictionary<string, List<object?[]>> AtBegin { get; } = tables.ToDictionary(t => t.Key, t => t.Value.Rows.ToList(), StringComparer.Ordinal);

        public HashSet<string> Mutated { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>BEGIN TRANSACTION: a snapshot of the committed tables. Called holding the lock.</summary>
    private Transaction Begin(Dictionary<string, ZetaSqlTable> committed)
    {
        var transaction = new Transaction(++_transactions, _commitSequence, committed);
        _open.Add(transaction);
        return transaction;
    }

    /// <summary>
    /// COMMIT TRANSACTION: fails (the transaction is discarded whole) when a table it mutated was mutated by a commit
    /// since it began; else applies what it removed and added to the committed tables — rows others appended
    /// meanwhile stay. Called holding the lock, with <see cref="_tables"/> swapped for the transaction's.
    /// </summary>
    private void Commit(Transaction transaction, Dictionary<string, ZetaSqlTable> committed)
    {
        foreach (var name in transaction.Mutated)
        {
            if (committed.TryGetValue(name, out var table) && table.MutationSequence > transaction.Start)
            {
                throw new StatementFailure(
                    $"Transaction is aborted due to concurrent update against table {Reference(name)}. Transaction ID: {transaction.Id}");
            }
        }
        End(transaction);
        var sequence = transaction.Mutated.Count > 0 ? ++_commitSequence : 0;
        foreach (var (name, mine) in transaction.Private)
        {
            if (!transaction.AtBegin.TryGetValue(name, out var before) || !committed.TryGetValue(name, out var table))
            {
                committed[name] = mine; // created in the transaction (or dropped by someone else meanwhile)
                continue;
            }
            var kept = new HashSet<object?[]>(mine.Rows, ReferenceEqualityComparer.Instance);
            var removed = new HashSet<object?[]>(before.Where(r => !kept.Contains(r)), ReferenceEqualityComparer.Instance);
            var old = new HashSet<object?[]>(before, ReferenceEqualityComparer.Instance);
            var added = mine.Rows.Where(r => !old.Contains(r)).ToList();
            if (removed.Count > 0 || added.Count > 0)
            {
                table.Rows = [.. table.Rows.Where(r => !removed.Contains(r)), .. added];
            }
            if (transaction.Mutated.Contains(name))
            {
                table.MutationSequence = sequence;
            }
        }
        foreach (var name in transaction.AtBegin.Keys.Where(n => !transaction.Private.ContainsKey(n)))
        {
            committed.Remove(name); // dropped in the transaction
        }
    }

    /// <summary>The transaction is over (committed, rolled back or failed): it no longer holds anything.</summary>
    private void End(Transaction transaction) => _open.Remove(transaction);

    /// <summary>
    /// A mutating DML statement outside a transaction, against a table an open transaction has mutated: BigQuery
    /// queues it until the transaction ends, which this fake does not model, so it fails loudly instead.
    /// </summary>
    private Modified Unqueued(Modified modified, Transaction? transaction)
    {
        if (transaction is null && modified.Rows.Count > 0 && _open.Any(t => t.Mutated.Contains(modified.Table)))
        {
            throw new StatementFailure(
                $"FakeBigQuery (ZetaSQL mode) does not model DML queued behind an open transaction that mutated {Reference(modified.Table)}.");
        }
        return modified;
    }

    /// <summary>An UPDATE or DELETE that changed rows: the transaction's mutation, or (outside one) a committed one.</summary>
    private void Mutated(string table, long rows, Transaction? transaction, Dictionary<string, ZetaSqlTable> committed)
    {
        if (rows == 0)
        {
            return;
        }
        if (transaction is not null)
        {
            transaction.Mutated.Add(table);
        }
        else if (committed.TryGetValue(table, out var mutated))
        {
            mutated.MutationSequence = ++_commitSequence;
        }
    }
}

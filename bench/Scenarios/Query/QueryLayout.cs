namespace Pipeline.Bench.Scenarios.Query;

/// <summary>How the interactions lie in the table, physically.</summary>
public enum QueryLayout
{
    /// <summary>In no order of time: a pseudo-random permutation of the rows, as a bulk dump of mixed sources might land.</summary>
    Random,

    /// <summary>In updated_at order, as streaming writes them (each event appended when it happens).</summary>
    Time,
}

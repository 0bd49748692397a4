namespace Pipeline.Bench;

/// <summary>What one scenario measured: named figures, the targets they are held to, and a note.</summary>
public sealed record BenchResult(string Scenario, IReadOnlyDictionary<string, double> Figures, IReadOnlyList<Target> Targets, string Note = "")
{
    public bool Met => Targets.All(t => t.Met);
}

/// <summary>A figure's target: at least or at most a value.</summary>
public sealed record Target(string Figure, string Comparison, double Value, double Actual)
{
    public bool Met => Comparison == ">=" ? Actual >= Value : Actual <= Value;

    public static Target AtLeast(IReadOnlyDictionary<string, double> figures, string figure, double value) => new(figure, ">=", value, figures[figure]);

    public static Target AtMost(IReadOnlyDictionary<string, double> figures, string figure, double value) => new(figure, "<=", value, figures[figure]);
}

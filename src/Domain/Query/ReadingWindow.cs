namespace Pipeline.Domain.Query;

/// <summary>
/// The interactions a UserContent answer counts: one user's reads over <see cref="Days"/> UTC calendar dates
/// ending at the query date, both ends included (the seed's 15 dates), with <c>read_percent &gt; 90</c>.
/// </summary>
public sealed record ReadingWindow(long UserId, DateOnly QueryDate)
{
    /// <summary>How many calendar dates the window spans, the query date included.</summary>
    public const int Days = 15;

    /// <summary>Strictly above this percentage a read counts as finished.</summary>
    public const double FinishedAbovePercent = 90;

    /// <summary>The window's first UTC date: <see cref="Days"/> - 1 days before the query date.</summary>
    public DateOnly FirstDate => QueryDate.AddDays(-(Days - 1));

    /// <summary>Inclusive lower bound on <c>updated_at</c>: midnight UTC of the first date.</summary>
    public DateTime FromUtc => FirstDate.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

    /// <summary>Exclusive upper bound on <c>updated_at</c>: midnight UTC after the query date.</summary>
    public DateTime UntilUtc => QueryDate.DayNumber == DateOnly.MaxValue.DayNumber
        ? DateTime.MaxValue
        : QueryDate.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
}

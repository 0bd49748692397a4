using System.Globalization;
using Microsoft.Extensions.Primitives;
using Pipeline.Domain.Parsing;
using Pipeline.Domain.Query;

namespace Pipeline.Functions.UserContent;

/// <summary>
/// Reads <c>?user_id=&lt;int64 ≥ 0&gt;&amp;query_date=&lt;YYYY-MM-DD&gt;</c> into a <see cref="ReadingWindow"/>,
/// or says which parameter is wrong and why.
/// </summary>
public static class UserContentQuery
{
    /// <summary>Longer query strings are refused (414) before they are parsed.</summary>
    public const int MaxQueryStringLength = 2048;

    private const int MaxEcho = 64;

    /// <summary>
    /// The window the query names; false, with <paramref name="error"/> naming the parameter, when one is missing,
    /// repeated or invalid (the value echoed, cut at 64 characters).
    /// </summary>
    public static bool TryParse(IQueryCollection query, out ReadingWindow window, out string error)
    {
        window = null!;
        if (!TrySingle(query, "user_id", out var userIdText, out error)
            || !TryParseUserId(userIdText, out var userId, out error)
            || !TrySingle(query, "query_date", out var dateText, out error)
            || !TryParseDate(dateText, out var queryDate, out error))
        {
            return false;
        }
        window = new ReadingWindow(userId, queryDate);
        return true;
    }

    private static bool TryParseUserId(string text, out long userId, out string error)
    {
        var problem = FieldRules.ParseId(text, out userId);
        error = problem == FieldProblem.None ? "" : FieldRules.Describe("user_id", problem, Echo(text));
        return problem == FieldProblem.None;
    }

    private static bool TrySingle(IQueryCollection query, string name, out string value, out string error)
    {
        value = "";
        error = "";
        var values = query.TryGetValue(name, out var given) ? given : StringValues.Empty;
        if (values.Count > 1)
        {
            error = $"{name}: given {values.Count} times; give it once";
            return false;
        }
        if (string.IsNullOrEmpty(values.ToString()))
        {
            error = $"{name}: missing";
            return false;
        }
        value = values.ToString();
        return true;
    }

    private static bool TryParseDate(string text, out DateOnly date, out string error)
    {
        error = "";
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
        {
            if (date.DayNumber >= ReadingWindow.Days - 1)
            {
                return true;
            }
            error = $"query_date: must be on or after {DateOnly.MinValue.AddDays(ReadingWindow.Days - 1):yyyy-MM-dd}";
            return false;
        }
        error = text.Length == 10 && text[4] == '-' && text[7] == '-' && text.Remove(7, 1).Remove(4, 1).All(char.IsAsciiDigit)
            ? $"query_date: {Echo(text)} is not a real date"
            : $"query_date: must be a date as YYYY-MM-DD, got {Echo(text)}";
        return false;
    }

    private static string Echo(string text) => "'" + (text.Length <= MaxEcho ? text : text[..MaxEcho] + "…") + "'";
}

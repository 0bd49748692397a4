using System.Text.Json;

namespace Pipeline.Local.Inspection;

/// <summary>How the inspection endpoints (<c>/local/loads</c>, <c>/local/errors</c>) write rows: the tables' own column names.</summary>
internal static class InspectionJson
{
    /// <summary>Web defaults with snake_case names, as the tables' columns are named.</summary>
    public static JsonSerializerOptions SnakeCase { get; } = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}

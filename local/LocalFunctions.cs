using Microsoft.AspNetCore.Http;
using Pipeline.Functions.BackfillCsv;
using Pipeline.Functions.Hosting;
using Pipeline.Functions.IngestContent;
using Pipeline.Functions.IngestInteraction;
using Pipeline.Functions.UserContent;

namespace Pipeline.Local;

/// <summary>The functions this process hosts, by name, and which Pub/Sub topic triggers which.</summary>
public sealed class LocalFunctions
{
    /// <summary>Each function's HTTP entry point, by its deployed name (a test may stand one in for another).</summary>
    public IReadOnlyDictionary<string, RequestDelegate> ByName { get; init; } = new Dictionary<string, RequestDelegate>
    {
        ["IngestInteraction"] = FunctionTarget.RequestDelegate<IngestInteractionFunction>(),
        ["IngestContent"] = FunctionTarget.RequestDelegate<IngestContentFunction>(),
        ["UserContent"] = FunctionTarget.RequestDelegate<UserContentFunction>(),
        ["BackfillCsv"] = FunctionTarget.RequestDelegate<BackfillCsvFunction>(),
    };

    /// <summary>The function a message published to each topic is pushed to.</summary>
    public IReadOnlyDictionary<string, string> ByTopic { get; } = new Dictionary<string, string>
    {
        ["user-interaction"] = "IngestInteraction",
        ["content-meta"] = "IngestContent",
    };

    /// <summary>Registers every function, BackfillCsv's options (from <paramref name="configuration"/>) and this table.</summary>
    public static void Register(IServiceCollection services, IConfiguration configuration)
    {
        services.AddFunctionTarget<IngestInteractionFunction>();
        services.AddFunctionTarget<IngestContentFunction>();
        services.AddFunctionTarget<UserContentFunction>();
        services.AddFunctionTarget<BackfillCsvFunction>();
        services.AddSingleton(BackfillOptions.From(configuration));
        services.AddSingleton<LocalFunctions>();
    }
}

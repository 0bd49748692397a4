using Microsoft.AspNetCore.Http;
using Pipeline.Functions.BackfillCsv;
using Pipeline.Functions.IngestContent;
using Pipeline.Functions.IngestInteraction;
using Pipeline.Functions.UserContent;
using Pipeline.Functions.Hosting;

namespace Pipeline.Local;

/// <summary>The functions this process hosts, by name, and which Pub/Sub topic triggers which.</summary>
public sealed class LocalFunctions
{
    public IReadOnlyDictionary<string, RequestDelegate> ByName { get; } = new Dictionary<string, RequestDelegate>
    {
        ["IngestInteraction"] = FunctionTarget.RequestDelegate<IngestInteractionFunction>(),
        ["IngestContent"] = FunctionTarget.RequestDelegate<IngestContentFunction>(),
        ["UserContent"] = FunctionTarget.RequestDelegate<UserContentFunction>(),
        ["BackfillCsv"] = FunctionTarget.RequestDelegate<BackfillCsvFunction>(),
    };

    public IReadOnlyDictionary<string, string> ByTopic { get; } = new Dictionary<string, string>
    {
        ["user-interaction"] = "IngestInteraction",
        ["content-meta"] = "IngestContent",
    };

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

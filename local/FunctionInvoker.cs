using Pipeline.EventarcRequests;

namespace Pipeline.Local;

/// <summary>
/// Delivers an Eventarc-style request to a hosted function in-process (no socket, same HTTP pipeline code) and
/// returns its status code, as the platform would see it. A function that throws counts as a 500.
/// </summary>
public sealed class FunctionInvoker(LocalFunctions functions, IServiceScopeFactory scopes, ILogger<FunctionInvoker> logger)
{
    /// <summary>
    /// Runs <paramref name="functionName"/> (one of <see cref="LocalFunctions.ByName"/>) on the request in a fresh
    /// scope and returns the status it answered.
    /// </summary>
    public async Task<int> InvokeAsync(string functionName, EventarcRequest request, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var context = request.ToHttpContext(scope.ServiceProvider, cancellationToken);
        try
        {
            await functions.ByName[functionName](context);
            return context.Response.StatusCode;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "{Function} threw", functionName);
            return StatusCodes.Status500InternalServerError;
        }
    }
}

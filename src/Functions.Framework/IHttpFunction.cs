using Microsoft.AspNetCore.Http;

namespace Pipeline.Functions.Framework;

/// <summary>A function that handles raw HTTP requests (Google.Cloud.Functions.Framework.IHttpFunction).</summary>
public interface IHttpFunction
{
    /// <summary>Handles one request; the response is whatever the function writes (200, empty, by default).</summary>
    /// <param name="context">The request and its response.</param>
    Task HandleAsync(HttpContext context);
}

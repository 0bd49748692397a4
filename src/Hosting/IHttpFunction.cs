using Microsoft.AspNetCore.Http;

namespace Pipeline.Hosting;

/// <summary>A function that handles raw HTTP requests, shaped like the Functions Framework's IHttpFunction.</summary>
public interface IHttpFunction
{
    /// <summary>Handles one request; the response is whatever the function writes (200, empty, by default).</summary>
    Task HandleAsync(HttpContext context);
}

using System.Net.Http.Headers;
using Google.Apis.Auth.OAuth2;

namespace Pipeline.Warehouse.BigQuery.Rest;

/// <summary>
/// Adds <c>Authorization: Bearer</c> from Application Default Credentials (scope <c>bigquery</c>), asking the
/// credential for a token on every request; it caches and refreshes tokens itself.
/// </summary>
/// <param name="credential">Gives the token; <see cref="ApplicationDefault"/> in production.</param>
public sealed class GoogleAuthHandler(ITokenAccess credential) : DelegatingHandler
{
    /// <summary>Sets the bearer token on the request, then sends it on.</summary>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await credential.GetAccessTokenForRequestAsync(request.RequestUri?.ToString(), cancellationToken);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await base.SendAsync(request, cancellationToken);
    }

    /// <summary>ADC, scoped for BigQuery, created on first use.</summary>
    public static ITokenAccess ApplicationDefault() => new LazyApplicationDefault();

    private sealed class LazyApplicationDefault : ITokenAccess
    {
        private readonly Lazy<Task<GoogleCredential>> _credential = new(async () =>
        {
            var credential = await GoogleCredential.GetApplicationDefaultAsync();
            return credential.IsCreateScopedRequired ? credential.CreateScoped(BigQueryOptions.Scope) : credential;
        });

        public async Task<string> GetAccessTokenForRequestAsync(string? authUri = null, CancellationToken cancellationToken = default) =>
            await ((ITokenAccess)await _credential.Value).GetAccessTokenForRequestAsync(authUri, cancellationToken);
    }
}

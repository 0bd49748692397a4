using System.Collections.Frozen;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Http.Resilience;
using Pipeline.Domain.Retries;
using Polly;

namespace Pipeline.Warehouse.BigQuery.Rest;

/// <summary>
/// When a BigQuery call is retried: transport failures, 429, 500, 502, 503, 504, and error bodies whose reasons are
/// all transient (<c>backendError</c>, <c>rateLimitExceeded</c>, <c>internalError</c>) — never <c>invalid</c>,
/// <c>notFound</c>, <c>accessDenied</c>, <c>quotaExceeded</c>. Every call this client makes is idempotent
/// (insertAll carries insertIds, jobs carry client ids, queries a requestId), so each may be retried.
/// Exponential back-off with jitter (<see cref="BigQueryOptions.Backoff"/>) inside a total budget.
/// </summary>
public static class BigQueryRetry
{
    private static readonly FrozenSet<string> s_transientReasons = new[] { "backendError", "rateLimitExceeded", "internalError" }.ToFrozenSet();
    private static readonly FrozenSet<HttpStatusCode> s_transientStatuses = new[]
    {
        HttpStatusCode.TooManyRequests, HttpStatusCode.InternalServerError, HttpStatusCode.BadGateway,
        HttpStatusCode.ServiceUnavailable, HttpStatusCode.GatewayTimeout,
    }.ToFrozenSet();

    /// <summary>Set on a request the caller retries itself (a resumable upload's chunk: it resumes from the server's state).</summary>
    public static readonly HttpRequestOptionsKey<bool> NotRetried = new("pipeline.bigquery.not-retried");

    /// <summary>The retries of one call, after its first attempt; the delivery's deadline may end them sooner.</summary>
    public const int MaxRetries = 6;

    /// <summary>
    /// Builds the named client's resilience pipeline: <paramref name="budget"/> for the whole call, retries as
    /// <see cref="ShouldRetryAsync"/> decides (up to <see cref="MaxRetries"/>, none for a request marked
    /// <see cref="NotRetried"/>) after the wait a <c>Retry-After</c> header asks for or else <paramref name="backoff"/>'s,
    /// and half the budget, at least a second, per attempt. Its timers run on the <see cref="TimeProvider"/> the
    /// services have, like every other wait of the adapter.
    /// </summary>
    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, TimeSpan budget, Backoff backoff)
    {
        pipeline.AddTimeout(budget);
        pipeline.AddRetry(new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = MaxRetries,
            ShouldRetryAfterHeader = false,
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(RetryAfter(args.Outcome.Result) ?? backoff.Delay(args.AttemptNumber + 1)),
            ShouldHandle = args => args.Context.GetRequestMessage()?.Options.TryGetValue(NotRetried, out var notRetried) == true && notRetried
                ? ValueTask.FromResult(false)
                : ShouldRetryAsync(args.Outcome),
        });
        pipeline.AddTimeout(TimeSpan.FromTicks(Math.Max(budget.Ticks / 2, TimeSpan.FromSeconds(1).Ticks)));
    }

    /// <summary>The wait a 429 or 503 asks for in <c>Retry-After</c> (seconds; a date is not honoured), if any.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage? response) =>
        response?.Headers.RetryAfter?.Delta is { } delta && delta >= TimeSpan.Zero ? delta : null;

    /// <summary>
    /// Whether an attempt's outcome is worth another attempt: a transport failure or attempt timeout; an error body
    /// whose reasons are all transient; or, when the body names no reason, a transient status.
    /// </summary>
    public static async ValueTask<bool> ShouldRetryAsync(Outcome<HttpResponseMessage> outcome)
    {
        if (outcome.Exception is not null)
        {
            // Nothing listening (a BIGQUERY_EMULATOR_HOST that is not running, say) is a setup problem, not a blip:
            // it fails at once instead of retrying for the whole budget.
            return outcome.Exception is HttpRequestException { InnerException: System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused } }
                ? false
                : outcome.Exception is HttpRequestException or Polly.Timeout.TimeoutRejectedException;
        }
        var response = outcome.Result!;
        if (response.IsSuccessStatusCode)
        {
            return false;
        }
        var reasons = await ReasonsAsync(response);
        if (reasons.Count > 0)
        {
            return reasons.All(s_transientReasons.Contains);
        }
        return s_transientStatuses.Contains(response.StatusCode);
    }

    private static async Task<IReadOnlyList<string>> ReasonsAsync(HttpResponseMessage response)
    {
        try
        {
            await response.Content.LoadIntoBufferAsync();
            var envelope = JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), BigQueryJson.Default.ErrorEnvelope);
            return envelope?.Error?.Errors?.Select(e => e.Reason ?? "").Where(r => r.Length > 0).ToList() ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}

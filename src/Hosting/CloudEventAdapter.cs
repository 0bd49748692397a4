using System.Text.Json;
using CloudNative.CloudEvents;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Pipeline.Hosting.Events;

namespace Pipeline.Hosting;

/// <summary>
/// Adapts an <see cref="ICloudEventFunction{TData}"/> to HTTP: 400 when the request is not a CloudEvent,
/// 200 when the function returns, 500 when it throws (so the event source redelivers).
/// </summary>
public sealed class CloudEventAdapter<TFunction, TData>(
    TFunction function,
    CloudEventRequestReader reader,
    ILogger<TFunction> logger) : IHttpFunction
    where TFunction : ICloudEventFunction<TData>
    where TData : class
{
    public async Task HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        CloudEvent cloudEvent;
        try
        {
            cloudEvent = await reader.ReadAsync(context.Request, cancellationToken);
        }
        catch (CloudEventBindingException e)
        {
            logger.LogError("Rejected request: {Reason}", e.Message);
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        catch (PayloadTooLargeException e)
        {
            logger.LogError("Rejected request: {Reason}", e.Message);
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return;
        }

        try
        {
            if (TryReadData(cloudEvent, out var data, out var reason))
            {
                await function.HandleAsync(cloudEvent, data, cancellationToken);
            }
            else if (function is IUndecodableEventHandler handler)
            {
                await handler.HandleUndecodableAsync(cloudEvent, reason, cancellationToken);
            }
            else
            {
                logger.LogError("Rejected CloudEvent {EventId}: {Reason}", cloudEvent.Id, reason);
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "CloudEvent {EventId} failed; answering 500 so it is redelivered", cloudEvent.Id);
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }
        }
    }

    private static bool TryReadData(CloudEvent cloudEvent, out TData data, out string reason)
    {
        data = null!;
        reason = "";
        try
        {
            data = cloudEvent.Data switch
            {
                JsonElement element => EventPayloadJson.Deserialize<TData>(element),
                byte[] bytes => JsonSerializer.Deserialize<TData>(bytes, EventPayloadJson.Options),
                string text => JsonSerializer.Deserialize<TData>(text, EventPayloadJson.Options),
                _ => null,
            } ?? throw new JsonException("the event has no data");
            return true;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            reason = $"data is not a {typeof(TData).Name}: {e.Message}";
            return false;
        }
    }
}

using CloudNative.CloudEvents;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Pipeline.Functions.Framework;

/// <summary>
/// Serves an untyped <see cref="ICloudEventFunction"/> over HTTP: 400 when the request is not a CloudEvent, 200 when
/// the function returns, 500 when it throws (so the event source redelivers). A binary-mode or push body reaches the
/// function as the bytes that carried it, not parsed: the function decodes its payload once, and keeps what does not
/// decode.
/// </summary>
/// <typeparam name="TFunction">The function type (one adapter type per function, so that one container can host several).</typeparam>
public sealed class CloudEventAdapter<TFunction>(TFunction function, CloudEventRequestReader reader, ILogger<TFunction> logger)
    : IHttpFunction where TFunction : ICloudEventFunction
{
    private static readonly CloudEventFormatter s_formatter = new RawDataFormatter();

    /// <inheritdoc />
    public async Task HandleAsync(HttpContext context)
    {
        if (await CloudEventResponses.ReadAsync(context, reader, s_formatter, logger) is not { } cloudEvent)
        {
            return;
        }
        await CloudEventResponses.RunAsync(context, cloudEvent, logger, ct => function.HandleAsync(cloudEvent, ct));
    }
}

/// <summary>
/// Serves an <see cref="ICloudEventFunction{TData}"/> over HTTP, decoding the data with the formatter named by
/// <typeparamref name="TData"/>'s <see cref="CloudEventFormatterAttribute"/>: 400 when the request is not a CloudEvent
/// or its data is not a <typeparamref name="TData"/>, 200 when the function returns, 500 when it throws.
/// </summary>
/// <typeparam name="TFunction">The function type.</typeparam>
/// <typeparam name="TData">The payload type.</typeparam>
public sealed class CloudEventAdapter<TFunction, TData>(TFunction function, CloudEventRequestReader reader, ILogger<TFunction> logger)
    : IHttpFunction
    where TFunction : ICloudEventFunction<TData>
    where TData : class
{
    private static readonly CloudEventFormatter s_formatter = CloudEventFormatterAttribute.CreateFormatter(typeof(TData))
        ?? throw new InvalidOperationException(
            $"{typeof(TData).FullName} has no CloudEventFormatterAttribute, so a CloudEvent's data cannot be decoded as it.");

    /// <inheritdoc />
    public async Task HandleAsync(HttpContext context)
    {
        if (await CloudEventResponses.ReadAsync(context, reader, s_formatter, logger) is not { } cloudEvent)
        {
            return;
        }
        if (cloudEvent.Data is not TData data)
        {
            logger.LogError("Rejected CloudEvent {EventId}: its data is not a {DataType}", cloudEvent.Id, typeof(TData).Name);
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        await CloudEventResponses.RunAsync(context, cloudEvent, logger, ct => function.HandleAsync(cloudEvent, data, ct));
    }
}

/// <summary>What both adapters answer: the binding's 400 and 413, and 500 when the function throws.</summary>
internal static class CloudEventResponses
{
    public static async Task<CloudEvent?> ReadAsync(
        HttpContext context, CloudEventRequestReader reader, CloudEventFormatter formatter, ILogger logger)
    {
        try
        {
            return await reader.ReadAsync(context.Request, formatter, context.RequestAborted);
        }
        catch (CloudEventBindingException e)
        {
            logger.LogError("Rejected request: {Reason}", e.Message);
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        catch (PayloadTooLargeException e)
        {
            logger.LogError("Rejected request: {Reason}", e.Message);
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        }
        return null;
    }

    public static async Task RunAsync(HttpContext context, CloudEvent cloudEvent, ILogger logger, Func<CancellationToken, Task> handle)
    {
        var cancellationToken = context.RequestAborted;
        try
        {
            await handle(cancellationToken);
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
}

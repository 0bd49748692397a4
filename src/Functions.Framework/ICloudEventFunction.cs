using CloudNative.CloudEvents;

namespace Pipeline.Functions.Framework;

/// <summary>
/// A function triggered by a CloudEvent, whose data it decodes itself (Google.Cloud.Functions.Framework.ICloudEventFunction).
/// Returning normally acknowledges the event (200); throwing makes the platform redeliver it (500).
/// </summary>
public interface ICloudEventFunction
{
    /// <summary>Handles one event.</summary>
    /// <param name="cloudEvent">
    /// The event. Its data is the bytes of the request body (binary mode, Pub/Sub push), or a <c>JsonElement</c> when
    /// it came inside a structured-mode event.
    /// </param>
    /// <param name="cancellationToken">Cancelled when the request is aborted.</param>
    Task HandleAsync(CloudEvent cloudEvent, CancellationToken cancellationToken);
}

/// <summary>
/// A function triggered by a CloudEvent whose data is decoded as <typeparamref name="TData"/> by the formatter that
/// <typeparamref name="TData"/> names in its <c>CloudEventFormatterAttribute</c>
/// (Google.Cloud.Functions.Framework.ICloudEventFunction&lt;TData&gt;). Data that does not decode is answered 400.
/// </summary>
/// <typeparam name="TData">The payload type.</typeparam>
public interface ICloudEventFunction<in TData> where TData : class
{
    /// <summary>Handles one event.</summary>
    /// <param name="cloudEvent">The event.</param>
    /// <param name="data">Its decoded data.</param>
    /// <param name="cancellationToken">Cancelled when the request is aborted.</param>
    Task HandleAsync(CloudEvent cloudEvent, TData data, CancellationToken cancellationToken);
}

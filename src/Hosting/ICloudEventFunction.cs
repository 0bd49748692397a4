using CloudNative.CloudEvents;

namespace Pipeline.Hosting;

/// <summary>
/// A function triggered by a CloudEvent whose data is decoded as <typeparamref name="TData"/>,
/// shaped like the Functions Framework's ICloudEventFunction&lt;TData&gt;. Returning normally acknowledges the event (200);
/// throwing makes the platform redeliver it (500).
/// </summary>
public interface ICloudEventFunction<in TData> where TData : class
{
    Task HandleAsync(CloudEvent cloudEvent, TData data, CancellationToken cancellationToken);
}

/// <summary>
/// Optional companion of <see cref="ICloudEventFunction{TData}"/>: receives a well-formed CloudEvent whose data
/// cannot be decoded as the expected payload. Without it the host answers 400, as the Functions Framework does;
/// with it the function can keep the payload (a poison event must be acknowledged, not redelivered forever).
/// </summary>
public interface IUndecodableEventHandler
{
    Task HandleUndecodableAsync(CloudEvent cloudEvent, string reason, CancellationToken cancellationToken);
}

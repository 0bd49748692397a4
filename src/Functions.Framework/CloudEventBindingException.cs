namespace Pipeline.Functions.Framework;

/// <summary>The HTTP request cannot be turned into a CloudEvent; the host answers 400.</summary>
internal sealed class CloudEventBindingException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The request body is larger than <see cref="CloudEventRequestReader.MaxBodyBytes"/>; the host answers 413.</summary>
internal sealed class PayloadTooLargeException(long bytes)
    : Exception($"The request body ({bytes} bytes or more) exceeds the limit of {CloudEventRequestReader.MaxBodyBytes} bytes.");

namespace Pipeline.Hosting;

/// <summary>The HTTP request cannot be turned into a CloudEvent; the host answers 400.</summary>
public sealed class CloudEventBindingException(string message, Exception? inner = null) : Exception(message, inner);

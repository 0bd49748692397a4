using Grpc.Core;

namespace Pipeline.Local.PubSub;

/// <summary>
/// Why the local Pub/Sub refused a call, in Google's canonical codes, one value for both endpoints: the gRPC status
/// the Publisher service answers, and the HTTP status and status name the REST endpoint answers.
/// </summary>
/// <param name="Code">The canonical code (NOT_FOUND, INVALID_ARGUMENT, ALREADY_EXISTS, FAILED_PRECONDITION).</param>
/// <param name="Message">What was wrong, in words.</param>
public sealed record PubSubRefusal(StatusCode Code, string Message)
{
    /// <summary>NOT_FOUND for a topic that does not exist.</summary>
    public static PubSubRefusal TopicNotFound(TopicName topic) => new(StatusCode.NotFound, $"Resource not found (resource={topic.Topic}).");

    /// <summary>The HTTP status Google's REST APIs answer for <see cref="Code"/>.</summary>
    public int HttpStatus => Code switch
    {
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.AlreadyExists => StatusCodes.Status409Conflict,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The canonical status name: <c>NOT_FOUND</c>, <c>INVALID_ARGUMENT</c>, …</summary>
    public string StatusName => Code switch
    {
        StatusCode.NotFound => "NOT_FOUND",
        StatusCode.AlreadyExists => "ALREADY_EXISTS",
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        _ => "INTERNAL",
    };

    /// <summary>The REST answer: Google's JSON error body with <see cref="HttpStatus"/>.</summary>
    public IResult ToHttpResult() => Results.Json(GoogleError.Of(HttpStatus, StatusName, Message), statusCode: HttpStatus);

    /// <summary>The gRPC answer: an <see cref="RpcException"/> with <see cref="Code"/> and <see cref="Message"/>.</summary>
    public RpcException ToRpcException() => new(new Status(Code, Message));
}

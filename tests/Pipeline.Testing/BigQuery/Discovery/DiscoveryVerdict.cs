using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Pipeline.Tests.Fixtures.Discovery;

/// <summary>
/// What BigQuery's discovery document says of one request: the method it is (null when none is), and what is wrong
/// with it. A request with nothing wrong is <see cref="Accepted"/>; else <see cref="Status"/> and
/// <see cref="ErrorBody"/> are Google's answer: 400 <c>INVALID_ARGUMENT</c> with one field violation per thing wrong,
/// or 404 when no method has the request's verb and path.
/// </summary>
public sealed record DiscoveryVerdict(string Request, string? MethodId, ImmutableArray<DiscoveryViolation> Violations)
{
    /// <summary>Whether the request is one BigQuery takes (as far as its description goes).</summary>
    public bool Accepted => Violations.IsEmpty;

    /// <summary>200 when accepted; 404 when no method matches; else 400.</summary>
    public int Status => Accepted ? 200 : MethodId is null ? 404 : 400;

    /// <summary>Google's message: each violation's description, one a line.</summary>
    public string Message => string.Join("\n", Violations.Select(v => v.Description));

    /// <summary>The error envelope Google answers a refused request with (the shape the adapter parses).</summary>
    public string ErrorBody
    {
        get
        {
            var (reason, status) = MethodId is null ? ("notFound", "NOT_FOUND") : ("invalid", "INVALID_ARGUMENT");
            var error = new JsonObject
            {
                ["code"] = Status,
                ["message"] = Message,
                ["errors"] = new JsonArray(new JsonObject { ["message"] = Message, ["domain"] = "global", ["reason"] = reason }),
                ["status"] = status,
            };
            if (MethodId is not null)
            {
                error["details"] = new JsonArray(new JsonObject
                {
                    ["@type"] = "type.googleapis.com/google.rpc.BadRequest",
                    ["fieldViolations"] = new JsonArray([.. Violations.Select(v => (JsonNode)new JsonObject
                    {
                        ["field"] = v.Field,
                        ["description"] = v.Description,
                    })]),
                });
            }
            return new JsonObject { ["error"] = error }.ToJsonString();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Accepted ? $"{Request}: accepted ({MethodId})" : $"{Request}: {Status} {Message}";
}

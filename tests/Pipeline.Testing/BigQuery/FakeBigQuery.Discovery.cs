using System.Collections.Concurrent;
using Pipeline.Tests.Fixtures.Discovery;

namespace Pipeline.Tests.Fixtures;

// Every request is first judged by BigQuery's own API description (BigQueryDiscovery): one BigQuery would refuse is
// answered as Google answers it (400 INVALID_ARGUMENT, or 404 for no such method) before any script or state sees it,
// and is kept in Refusals. A fake that refused a request fails the test when it is disposed — so a refusal the client
// swallowed (a retry, a dead letter, a 503 to its caller) still fails — unless the test said it sends invalid requests
// on purpose (ExpectRefusals). Where the SDK is missing the fake runs unchecked, and one test says so once per run
// (Pipeline.Tests' DiscoveryCheckTest, skipped by name); where CI requires the SDK, starting a fake fails instead.
public sealed partial class FakeBigQuery
{
    private readonly BigQueryDiscovery? _discovery;
    private readonly ConcurrentQueue<DiscoveryVerdict> _refusals = new();
    private volatile bool _refusalsExpected;

    /// <summary>Whether this fake checks requests against BigQuery's discovery document (false where the SDK is missing).</summary>
    public bool ChecksDiscovery => _discovery is not null;

    /// <summary>The requests BigQuery's discovery document refused, in order, with Google's answer to each.</summary>
    public IReadOnlyList<DiscoveryVerdict> Refusals => [.. _refusals];

    /// <summary>This test sends requests BigQuery refuses on purpose: disposing the fake does not fail for them.</summary>
    public void ExpectRefusals() => _refusalsExpected = true;

    /// <summary>Google's answer to a request its API description refuses; null for one it takes.</summary>
    private (int, string)? Judged(RecordedRequest request, string? contentType)
    {
        if (_discovery?.Check(request.Method, request.Path, request.Query, contentType, request.BodyBytes) is not { Accepted: false } verdict)
        {
            return null;
        }
        _refusals.Enqueue(verdict);
        return (verdict.Status, verdict.ErrorBody);
    }

    private void ThrowOnUnexpectedRefusals()
    {
        if (!_refusalsExpected && !_refusals.IsEmpty)
        {
            throw new InvalidOperationException(
                $"FakeBigQuery refused {_refusals.Count} request(s) as BigQuery's discovery document (revision {_discovery!.Revision}) describes its API; "
                + "BigQuery would answer them with these errors:\n" + string.Join("\n", _refusals));
        }
    }
}

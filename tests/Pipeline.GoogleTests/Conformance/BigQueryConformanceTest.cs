using Pipeline.Tests.GoogleSql;

namespace Pipeline.Tests.Conformance;

/// <summary>
/// The cases on the BigQuery adapter, against a fake whose SQL GoogleSQL's reference engine executes. Every case runs:
/// the adapter sends no procedural script (no DECLARE or IF), only statements ZetaSQL evaluates one by one. Not
/// covered this way: insertId de-duplication (best effort in BigQuery, none in the fake) and the streaming buffer.
/// </summary>
[Collection(ZetaSqlCollection.Name)]
public sealed class BigQueryConformanceTest(ZetaSqlEngine engine) : WarehouseConformance
{
    protected override Task<IWarehouseUnderTest> CreateAsync(TimeProvider clock) => BigQueryUnderTest.StartAsync(engine, clock);
}

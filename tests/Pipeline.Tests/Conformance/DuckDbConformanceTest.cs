namespace Pipeline.Tests.Conformance;

/// <summary>The cases on the embedded engine.</summary>
public sealed class DuckDbConformanceTest : WarehouseConformance
{
    protected override Task<IWarehouseUnderTest> CreateAsync(TimeProvider clock) => Task.FromResult<IWarehouseUnderTest>(new DuckDbUnderTest(clock));
}

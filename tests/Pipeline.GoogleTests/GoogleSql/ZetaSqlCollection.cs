namespace Pipeline.Tests.GoogleSql;

/// <summary>Test classes that use ZetaSQL join this collection; they share one engine (one server) per test run.</summary>
[CollectionDefinition(Name)]
public sealed class ZetaSqlCollection : ICollectionFixture<ZetaSqlEngine>
{
    public const string Name = "ZetaSQL";
}

using Pipeline.Domain;
using Pipeline.Functions.IngestInteraction;
using Pipeline.Functions.Testing;
using Pipeline.Ingestion;
using Pipeline.Tests.Fixtures;

namespace Pipeline.Tests.Functions;

/// <summary>
/// The ingest log says what was stored: a redelivered message stores nothing new, and the log says so; another
/// message under a stored id (a restarted emulator's) is dead-lettered, and the log says that too.
/// </summary>
public sealed class RedeliveryLogTest
{
    [Fact]
    public async Task RedeliveredMessage_LogsZeroStoredAndOneAlreadyStored()
    {
        await using var store = new TempWarehouse();
        await using var server = await FunctionTestServer<IngestInteractionFunction>.StartAsync(services =>
            services.AddPubSubIngestion().AddSingleton<IWarehouse>(store.Warehouse));

        await server.SendAsync(Messages.PubSub(Messages.SeedInteraction, "m-1"));
        await server.SendAsync(Messages.PubSub(Messages.SeedInteraction, "m-1"));

        var lines = server.GetLogEntries().Where(e => e.Category == typeof(PubSubIngestion).FullName).Select(e => e.Message).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains("m-1: 1 received, 1 stored, 0 rejected", lines[0]);
        Assert.Contains("m-1: 1 received, 0 stored, 1 already stored, 0 rejected", lines[1]);
        Assert.Equal(1, await store.CountAsync("user_interaction"));
    }

    [Fact]
    public async Task OtherMessageUnderAStoredId_IsDeadLetteredAndLoggedAsSuch()
    {
        await using var store = new TempWarehouse();
        await using var server = await FunctionTestServer<IngestInteractionFunction>.StartAsync(services =>
            services.AddPubSubIngestion().AddSingleton<IWarehouse>(store.Warehouse));

        await server.SendAsync(Messages.PubSub(Messages.SeedInteraction, "1"));
        await server.SendAsync(Messages.PubSub(Messages.SeedInteraction.Replace("65045", "65046"), "1"));

        var lines = server.GetLogEntries().Where(e => e.Category == typeof(PubSubIngestion).FullName).Select(e => e.Message).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains("1 dead-lettered records: 1 received, 0 stored, 1 rejected, first reason: 1 under event ids already stored with other content", lines[1]);
        Assert.Equal(65045, Assert.Single(await store.InteractionsAsync()).Row.UserId);
        var error = Assert.Single(await store.ErrorsAsync());
        Assert.Contains("\"user_id\":65046", error.Payload);
    }
}

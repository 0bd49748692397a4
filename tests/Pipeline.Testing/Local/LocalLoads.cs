using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Pipeline.Tests.Fixtures;

/// <summary>The local stack's <c>/local/loads</c> (the load_log), waited for.</summary>
public static class LocalLoads
{
    /// <summary>
    /// Reads the load_log until it has <paramref name="count"/> rows or 20 s passed; moves <paramref name="clock"/> one
    /// poll at a time meanwhile, when the stack runs on one (a dropped file is announced once it stood still over a poll).
    /// </summary>
    public static async Task<List<JsonElement>> WaitForAsync(HttpClient client, int count, FakeTimeProvider? clock = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var loads = (await client.GetFromJsonAsync<List<JsonElement>>("/local/loads"))!;
            if (loads.Count >= count || DateTime.UtcNow > deadline)
            {
                return loads;
            }
            clock?.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(20);
        }
    }

    /// <summary>The row of <paramref name="objectName"/> in the local bucket (exactly one).</summary>
    public static JsonElement Of(IEnumerable<JsonElement> loads, string objectName) =>
        Assert.Single(loads, l => l.GetProperty("object").GetString() == $"gs://local-bucket/{objectName}");
}

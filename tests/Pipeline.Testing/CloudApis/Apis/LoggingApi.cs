using System.Text.Json.Nodes;

namespace Pipeline.Tests.Fixtures.CloudApis;

/// <summary>Cloud Logging v2: entries.list answers a build's log (one entry per line of <see cref="CloudApiFake.BuildLog"/>).</summary>
internal sealed class LoggingApi : ICloudApi
{
    public string Name => "logging";

    public ApiAnswer? Handle(ApiRoute r)
    {
        if (r.Is("POST", "/v2/entries:list"))
        {
            var fault = r.Enter("logging.entries.list", Name, "v2", "ListLogEntriesRequest");
            if (fault is not null)
            {
                return fault;
            }
            var entries = new JsonArray();
            foreach (var line in r.Fake.BuildLog.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                entries.Add(new JsonObject
                {
                    ["logName"] = $"projects/{r.State.ProjectId}/logs/cloudbuild", ["textPayload"] = line,
                    ["timestamp"] = r.Now, ["insertId"] = r.State.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["resource"] = new JsonObject { ["type"] = "build" },
                });
            }
            return ApiAnswer.Ok(new JsonObject { ["entries"] = entries });
        }
        return null;
    }
}

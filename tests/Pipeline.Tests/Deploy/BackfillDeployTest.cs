using System.Diagnostics;
using Pipeline.Tests.Fixtures;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Tests.Deploy;

/// <summary>
/// What deploy/deploy-function.sh sets for BackfillCsv, read from the gcloud calls it makes (a stand-in gcloud on the
/// PATH records them): parallel instances, several deliveries each, the 60-minute timeout, CPU outside requests, and
/// a subscription that waits 600 s and tries 20 times. Nothing serializes the backfill across the project.
/// </summary>
public sealed class BackfillDeployTest
{
    [Fact]
    public void BackfillCsv_RunsInParallelWithTheLongTimeoutAndMoreDeliveryAttempts()
    {
        var calls = Deploy("storage", []);

        var run = Assert.Single(calls, c => c.StartsWith("run deploy backfill-csv", StringComparison.Ordinal));
        Assert.Contains("--max-instances 20", run);
        Assert.Contains("--concurrency 8", run);
        Assert.Contains("--timeout 3600s", run);
        Assert.Contains("--no-cpu-throttling", run);
        var subscription = Assert.Single(calls, c => c.StartsWith("pubsub subscriptions update", StringComparison.Ordinal));
        Assert.Contains("--ack-deadline 600", subscription);
        Assert.Contains("--max-delivery-attempts 20", subscription);
        Assert.Contains("--min-retry-delay 10s --max-retry-delay 600s", subscription);
    }

    [Fact]
    public void BackfillMaxInstances_IsASetting()
    {
        var calls = Deploy("storage", new() { ["BACKFILL_MAX_INSTANCES"] = "35", ["BACKFILL_MAX_DELIVERY_ATTEMPTS"] = "30" });

        Assert.Contains("--max-instances 35", Assert.Single(calls, c => c.StartsWith("run deploy", StringComparison.Ordinal)));
        Assert.Contains("--max-delivery-attempts 30", Assert.Single(calls, c => c.StartsWith("pubsub subscriptions update", StringComparison.Ordinal)));
    }

    [Fact]
    public void IngestFunctions_KeepTheirShortDeadlineAndTheProjectsAttempts()
    {
        var calls = Deploy("pubsub:user-interaction", []);

        var subscription = Assert.Single(calls, c => c.StartsWith("pubsub subscriptions update", StringComparison.Ordinal));
        Assert.Contains("--ack-deadline 60", subscription);
        Assert.Contains("--max-delivery-attempts 10", subscription);
        Assert.Contains("--cpu-throttling", Assert.Single(calls, c => c.StartsWith("run deploy", StringComparison.Ordinal)));
    }

    [Fact]
    public void CloudBuild_DeclaresTheBackfillSettingsWithTheirDefaults()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(Repository.Read("cloudbuild.yaml")));
        var substitutions = (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["substitutions"];

        Assert.Equal("20", ((YamlScalarNode)substitutions["_BACKFILL_MAX_INSTANCES"]).Value);
        Assert.Equal("20", ((YamlScalarNode)substitutions["_BACKFILL_MAX_DELIVERY_ATTEMPTS"]).Value);
        Assert.True(int.Parse(((YamlScalarNode)substitutions["_BACKFILL_CONCURRENCY"]).Value!, System.Globalization.CultureInfo.InvariantCulture) > 1);
    }

    /// <summary>Runs the deploy script for one trigger kind with a recording gcloud; its calls, one line each.</summary>
    private static List<string> Deploy(string trigger, Dictionary<string, string> settings)
    {
        var dir = Directory.CreateTempSubdirectory("deploy-test");
        try
        {
            var log = Path.Combine(dir.FullName, "calls");
            var gcloud = Path.Combine(dir.FullName, "gcloud");
            File.WriteAllText(gcloud, """
                #!/usr/bin/env bash
                echo "$*" >> "$GCLOUD_LOG"
                case "$*" in
                  *"triggers describe"*"--format"*) echo projects/p/subscriptions/s ;;
                  *"projects describe"*) echo 123 ;;
                esac
                """.Replace("\r", "", StringComparison.Ordinal));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(gcloud, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            var service = trigger == "storage" ? "backfill-csv" : "ingest-interaction";
            var start = new ProcessStartInfo("bash", ["deploy/deploy-function.sh", "Name", service, trigger, "image"])
            {
                WorkingDirectory = Repository.PathOf("."),
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["PATH"] = dir.FullName + ":" + Environment.GetEnvironmentVariable("PATH");
            start.Environment["GCLOUD_LOG"] = log;
            foreach (var (name, value) in new Dictionary<string, string>
            {
                ["PROJECT_ID"] = "p", ["REGION"] = "r", ["DATASET"] = "d", ["BIGQUERY_LOCATION"] = "EU", ["BUCKET"] = "b",
                ["DEAD_LETTER_TOPIC"] = "dl", ["MAX_DELIVERY_ATTEMPTS"] = "10", ["ALLOW_UNAUTHENTICATED"] = "false",
            }.Concat(settings))
            {
                start.Environment[name] = value;
            }
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, error);
            return [.. File.ReadAllLines(log)];
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}

using System.Text.Json.Nodes;
using Pipeline.Tests.Fixtures;
using Pipeline.Tests.Fixtures.CloudApis;

namespace Pipeline.Tests.Deploy;

/// <summary>
/// The deploy rehearsed: cloudbuild.yaml's setup and deploy steps run twice with the real gcloud and bq against the
/// recording fake, then once more with another interaction topic, then the deploy command. The deployed shape is
/// read from what gcloud and bq sent.
/// </summary>
public sealed class DeployRehearsalTest(DeployRehearsalFixture rehearsal) : IClassFixture<DeployRehearsalFixture>
{
    private const string Project = DeployRehearsal.ProjectId;
    private const string Image = $"europe-west1-docker.pkg.dev/{Project}/reading-pipeline";

    [SkippableFact]
    public void RehearsalTwice_SecondRunCreatesNothing()
    {
        GoogleCloudSdk.RequireSdk();
        Assert.All(rehearsal.Run1.Concat(rehearsal.Run2), run => Assert.True(run.ExitCode == 0, run.ToString()));
        Assert.Equal(5, rehearsal.Run2.Count);
        // The DDL's query job runs each time (CREATE TABLE IF NOT EXISTS): a job, not a resource the deploy keeps.
        var secondRun = rehearsal.Fake.State.Changes.Skip(rehearsal.AfterRun1.Changes).Take(rehearsal.AfterRun2.Changes - rehearsal.AfterRun1.Changes)
            .Where(change => !change.StartsWith("created bigquery jobs/", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(secondRun, change => change.StartsWith("created", StringComparison.Ordinal) ||
            change.StartsWith("granted", StringComparison.Ordinal) || change.StartsWith("revoked", StringComparison.Ordinal) ||
            change.StartsWith("deleted", StringComparison.Ordinal));
        // What the second run does change: a new revision of each service (the image tag is the build id) and the
        // triggers' and subscriptions' settings, set again to the same values.
        Assert.Contains(secondRun, change => change.StartsWith("updated run services/", StringComparison.Ordinal));
    }

    [SkippableTheory]
    [InlineData("ingest-interaction", "80", "60", "20", "1", "512Mi", "true")]
    [InlineData("ingest-content", "80", "60", "20", "1", "512Mi", "true")]
    [InlineData("backfill-csv", "8", "3600", "20", "2", "2Gi", "false")]
    [InlineData("user-content", "80", "30", "20", "1", "512Mi", "true")]
    public void Services_HaveTheDeployedShape(string service, string concurrency, string timeout, string maxInstances, string cpu, string memory, string cpuThrottling)
    {
        GoogleCloudSdk.RequireSdk();
        var sent = SecondRun().Last(c => c.Operation == "run.namespaces.services.replaceService" && c.Json["metadata"]?["name"]?.GetValue<string>() == service).Json;
        var template = sent["spec"]!["template"]!;
        var annotations = template["metadata"]!["annotations"]!.AsObject();
        var spec = template["spec"]!;
        var container = spec["containers"]![0]!;
        Assert.Equal($"{Image}/{service}:build-2", container["image"]!.GetValue<string>());
        Assert.Equal($"fn-{service}@{Project}.iam.gserviceaccount.com", spec["serviceAccountName"]!.GetValue<string>());
        Assert.Equal(
            [$"BIGQUERY_DATASET=reading", "BIGQUERY_LOCATION=EU", $"GOOGLE_CLOUD_PROJECT={Project}"],
            container["env"]!.AsArray().Select(e => $"{e!["name"]}={e["value"]}").Order(StringComparer.Ordinal));
        Assert.Equal(concurrency, spec["containerConcurrency"]!.ToString());
        Assert.Equal(timeout, spec["timeoutSeconds"]!.ToString());
        Assert.Equal(maxInstances, annotations["autoscaling.knative.dev/maxScale"]!.GetValue<string>());
        Assert.True(annotations["autoscaling.knative.dev/minScale"] is null || annotations["autoscaling.knative.dev/minScale"]!.GetValue<string>() == "0");
        Assert.Equal(cpu, container["resources"]!["limits"]!["cpu"]!.GetValue<string>());
        Assert.Equal(memory, container["resources"]!["limits"]!["memory"]!.GetValue<string>());
        // gcloud writes these booleans as Python does ("True"); Cloud Run reads them either way.
        Assert.Equal(cpuThrottling, annotations["run.googleapis.com/cpu-throttling"]!.GetValue<string>(), ignoreCase: true);
        Assert.Equal("true", annotations["run.googleapis.com/startup-cpu-boost"]!.GetValue<string>(), ignoreCase: true);

        // Who may invoke it: Eventarc's invoker on the event-driven services, nobody on UserContent (no allUsers).
        var invokers = rehearsal.Fake.State.AllBindings().Where(b => b.Api == "run" && b.Resource == $"services/{service}").Select(b => $"{b.Role} {b.Member}");
        Assert.Equal(service == "user-content" ? [] : [$"roles/run.invoker serviceAccount:eventarc-invoker@{Project}.iam.gserviceaccount.com"], invokers);
    }

    [SkippableTheory]
    [InlineData("ingest-interaction", "type=google.cloud.pubsub.topic.v1.messagePublished", "projects/rehearsal-project/topics/user-interaction")]
    [InlineData("ingest-content", "type=google.cloud.pubsub.topic.v1.messagePublished", "projects/rehearsal-project/topics/content-meta")]
    [InlineData("backfill-csv", "bucket=rehearsal-project-reading-dumps;type=google.cloud.storage.object.v1.finalized", null)]
    public void Triggers_FilterTheirSourceAndInvokeTheirService(string service, string filters, string? topic)
    {
        GoogleCloudSdk.RequireSdk();
        var trigger = rehearsal.TriggersAfterRun2.Single(t => t["name"]!.GetValue<string>().EndsWith($"/triggers/{service}-trigger", StringComparison.Ordinal));
        Assert.Equal(filters, string.Join(";", trigger["eventFilters"]!.AsArray().Select(f => $"{f!["attribute"]}={f["value"]}").Order(StringComparer.Ordinal)));
        if (topic is not null)
        {
            Assert.Equal(topic, trigger["transport"]!["pubsub"]!["topic"]!.GetValue<string>());
        }
        Assert.Equal(service, trigger["destination"]!["cloudRun"]!["service"]!.GetValue<string>());
        Assert.Equal("europe-west1", trigger["destination"]!["cloudRun"]!["region"]!.GetValue<string>());
        Assert.Equal($"eventarc-invoker@{Project}.iam.gserviceaccount.com", trigger["serviceAccount"]!.GetValue<string>());
    }

    [SkippableTheory]
    [InlineData("ingest-interaction", 10, 60)]
    [InlineData("ingest-content", 10, 60)]
    [InlineData("backfill-csv", 20, 600)]
    public void TriggerSubscriptions_HaveTheDeadLetterPolicyAttemptsAndAckDeadline(string service, int attempts, int ackDeadline)
    {
        GoogleCloudSdk.RequireSdk();
        var trigger = rehearsal.TriggersAfterRun2.Single(t => t["name"]!.GetValue<string>().EndsWith($"/triggers/{service}-trigger", StringComparison.Ordinal));
        var name = trigger["transport"]!["pubsub"]!["subscription"]!.GetValue<string>();
        var subscription = rehearsal.SubscriptionsAfterRun2.Single(s => s["name"]!.GetValue<string>() == name);
        Assert.Equal($"projects/{Project}/topics/reading-pipeline-dead-letter", subscription["deadLetterPolicy"]!["deadLetterTopic"]!.GetValue<string>());
        Assert.Equal(attempts, subscription["deadLetterPolicy"]!["maxDeliveryAttempts"]!.GetValue<int>());
        Assert.Equal(ackDeadline, subscription["ackDeadlineSeconds"]!.GetValue<int>());
        Assert.Equal("10s", subscription["retryPolicy"]!["minimumBackoff"]!.GetValue<string>());
        Assert.Equal("600s", subscription["retryPolicy"]!["maximumBackoff"]!.GetValue<string>());
        var subscribers = rehearsal.Fake.State.AllBindings().Where(b => b.Api == "pubsub" && b.Resource == name).Select(b => $"{b.Role} {b.Member}");
        Assert.Equal([$"roles/pubsub.subscriber serviceAccount:service-{DeployRehearsal.ProjectNumber}@gcp-sa-pubsub.iam.gserviceaccount.com"], subscribers);
    }

    /// <summary>README's least-privilege table, binding by binding (and iam.sh's, deploy-function.sh's grants).</summary>
    [SkippableFact]
    public void IamBindings_EqualTheLeastPrivilegeTable()
    {
        GoogleCloudSdk.RequireSdk();
        string Sa(string name) => $"serviceAccount:{name}@{Project}.iam.gserviceaccount.com";
        var pubsubAgent = $"serviceAccount:service-{DeployRehearsal.ProjectNumber}@gcp-sa-pubsub.iam.gserviceaccount.com";
        string[] expected =
        [
            $"bigquery datasets/reading roles/bigquery.dataEditor {Sa("fn-ingest-interaction")}",
            $"bigquery datasets/reading roles/bigquery.dataEditor {Sa("fn-ingest-content")}",
            $"bigquery datasets/reading roles/bigquery.dataEditor {Sa("fn-backfill-csv")}",
            $"bigquery datasets/reading roles/bigquery.dataViewer {Sa("fn-user-content")}",
            $"cloudresourcemanager projects/{Project} roles/bigquery.jobUser {Sa("fn-user-content")}",
            $"cloudresourcemanager projects/{Project} roles/bigquery.jobUser {Sa("fn-backfill-csv")}",
            $"storage b/{Project}-reading-dumps roles/storage.objectViewer {Sa("fn-backfill-csv")}",
            $"cloudresourcemanager projects/{Project} roles/eventarc.eventReceiver {Sa("eventarc-invoker")}",
            $"run services/ingest-interaction roles/run.invoker {Sa("eventarc-invoker")}",
            $"run services/ingest-content roles/run.invoker {Sa("eventarc-invoker")}",
            $"run services/backfill-csv roles/run.invoker {Sa("eventarc-invoker")}",
            $"cloudresourcemanager projects/{Project} roles/pubsub.publisher serviceAccount:service-{DeployRehearsal.ProjectNumber}@gs-project-accounts.iam.gserviceaccount.com",
            $"cloudresourcemanager projects/{Project} roles/iam.serviceAccountTokenCreator {pubsubAgent}",
            $"pubsub projects/{Project}/topics/reading-pipeline-dead-letter roles/pubsub.publisher {pubsubAgent}",
        ];
        var subscriptions = rehearsal.TriggersAfterRun2.Select(t => t["transport"]!["pubsub"]!["subscription"]!.GetValue<string>())
            .Select(s => $"pubsub {s} roles/pubsub.subscriber {pubsubAgent}");
        var held = rehearsal.Fake.State.AllBindings()
            .Where(b => !(b.Api == "pubsub" && b.Resource.Contains("/subscriptions/", StringComparison.Ordinal)) || rehearsal.TriggersAfterRun2.Any(t => t["transport"]!["pubsub"]!["subscription"]!.GetValue<string>() == b.Resource))
            .Select(b => $"{b.Api} {b.Resource} {b.Role} {b.Member}");
        // Run 3 added the new interaction trigger's subscription: compare what runs 1 and 2 left, less that one.
        var run3Subscription = rehearsal.Fake.State.List("eventarc", "projects/").Select(t => t.Resource["transport"]!["pubsub"]!["subscription"]!.GetValue<string>()).Except(rehearsal.TriggersAfterRun2.Select(t => t["transport"]!["pubsub"]!["subscription"]!.GetValue<string>()));
        Assert.Equal(expected.Concat(subscriptions).Order(StringComparer.Ordinal), held.Where(h => !run3Subscription.Any(s => h.Contains(s, StringComparison.Ordinal))).Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public void Ddl_IsTheRepositorysBigQuerySql()
    {
        GoogleCloudSdk.RequireSdk();
        var queries = rehearsal.Fake.Calls.Take(rehearsal.AfterRun1.Calls).Where(c => c.Operation == "bigquery.jobs.insert").ToList();
        var query = Assert.Single(queries).Json["configuration"]!["query"]!;
        Assert.Equal(Repository.Read("deploy/bigquery.sql").Trim(), query["query"]!.GetValue<string>().Trim());
        Assert.False(query["useLegacySql"]!.GetValue<bool>());
        Assert.Equal("reading", query["defaultDataset"]!["datasetId"]!.GetValue<string>());
        var dataset = Assert.Single(rehearsal.Fake.Calls, c => c.Operation == "bigquery.datasets.insert").Json;
        Assert.Equal("EU", dataset["location"]!.GetValue<string>());
    }

    [SkippableFact]
    public void InteractionTopicChanged_TriggerFollowsTheNewTopic()
    {
        GoogleCloudSdk.RequireSdk();
        Assert.All(rehearsal.Run3, run => Assert.True(run.ExitCode == 0, run.ToString()));
        var trigger = rehearsal.Fake.State.Get("eventarc", $"projects/{Project}/locations/europe-west1/triggers/ingest-interaction-trigger")!;
        Assert.Equal($"projects/{Project}/topics/{DeployRehearsalFixture.NewInteractionTopic}", trigger["transport"]!["pubsub"]!["topic"]!.GetValue<string>());
        var subscription = rehearsal.Fake.State.Get("pubsub", trigger["transport"]!["pubsub"]!["subscription"]!.GetValue<string>())!;
        Assert.Equal($"projects/{Project}/topics/{DeployRehearsalFixture.NewInteractionTopic}", subscription["topic"]!.GetValue<string>());
        Assert.Equal(10, subscription["deadLetterPolicy"]!["maxDeliveryAttempts"]!.GetValue<int>());
        Assert.Equal(60, subscription["ackDeadlineSeconds"]!.GetValue<int>());
    }

    [SkippableFact]
    public void PropagationDelays_AreWaitedOutWithinABound()
    {
        GoogleCloudSdk.RequireSdk();
        var setup = rehearsal.Run1[0];
        Assert.True(setup.ExitCode == 0, setup.ToString());
        Assert.Contains("not propagated yet (SERVICE_DISABLED", setup.Output.Replace("has not been used in project", "SERVICE_DISABLED", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains($"not propagated yet (Service account {DeployRehearsalFixture.MissingAccount} does not exist)", setup.Output, StringComparison.Ordinal);
        var refused = rehearsal.Fake.Calls.Where(c => c.Operation == "cloudresourcemanager.projects.setIamPolicy" && c.Status == 400).ToList();
        Assert.Equal(2, refused.Count);
    }

    [SkippableFact]
    public void CloudBuildSubmit_SendsTheBuildAndShowsItsLog()
    {
        GoogleCloudSdk.RequireSdk();
        var submit = rehearsal.Submit!;
        Assert.True(submit.ExitCode == 0, submit.ToString());
        var build = Assert.Single(rehearsal.Fake.Calls, c => c.Operation == "cloudbuild.projects.locations.builds.create").Json;
        Assert.Equal(rehearsal.Rehearsal.Build.StepIds, build["steps"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));
        Assert.Equal("europe-west1", build["substitutions"]!["_REGION"]!.GetValue<string>());
        Assert.Equal("ALLOW_LOOSE", build["options"]!["substitutionOption"]!.GetValue<string>());
        Assert.True(build["options"]!["dynamicSubstitutions"]!.GetValue<bool>());
        Assert.Equal("CLOUD_LOGGING_ONLY", build["options"]!["logging"]!.GetValue<string>());
        Assert.Equal("3600s", build["timeout"]!.GetValue<string>());
        var setup = build["steps"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == "setup")!;
        Assert.Equal(["deploy/setup.sh"], setup["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Contains(rehearsal.Fake.BuildLog.Trim(), submit.Output, StringComparison.Ordinal);
    }

    /// <summary>What bq sends is judged by BigQuery's own discovery document, as every fake BigQuery judges it.</summary>
    [SkippableFact]
    public void BqRequests_PassBigQuerysDiscoveryDocument()
    {
        GoogleCloudSdk.RequireBigQueryDiscovery();
        var bq = rehearsal.Fake.Calls.Where(c => c.Api == "bigquery" && c.Operation != "bigquery.discovery").ToList();
        Assert.Contains(bq, c => c.Operation == "bigquery.jobs.insert");
        Assert.DoesNotContain(bq, c => c.Operation == CloudApiFake.BigQueryRefused);
    }

    [SkippableFact]
    public void NothingLeavesLoopback()
    {
        GoogleCloudSdk.RequireSdk();
        Assert.NotEmpty(rehearsal.Fake.Calls);
        Assert.Empty(rehearsal.Fake.Escapes);
        Assert.All(rehearsal.Fake.Calls, call => Assert.True(call.Api.Length > 0 && call.Operation.Length > 0, $"unrouted: {call}"));
        Assert.DoesNotContain(rehearsal.Fake.Calls, call => call.Error?.StartsWith("Invalid", StringComparison.Ordinal) == true);
    }

    [SkippableFact]
    public void DeployPermissions_CoverEveryCallAndReadmeListsExactlyTheirRoles()
    {
        GoogleCloudSdk.RequireSdk();
        var table = DeployPermissions.Read();
        // The Cloud Build account's calls: the deploy steps' (bq sends no request reason), not the deployer's submit.
        var missing = rehearsal.Fake.Calls.Where(c => c.Reason != "submit").Select(c => c.Operation).Where(o => o != "bigquery.discovery").Distinct()
            .Where(o => !table.Methods.ContainsKey(o)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "docs/deploy-permissions.md lacks: " + string.Join(", ", missing));
        Assert.Equal(table.Roles.Order(StringComparer.Ordinal), DeployPermissions.ReadmeRoles().Order(StringComparer.Ordinal));
    }

    private IEnumerable<ApiCall> SecondRun() => rehearsal.Fake.Calls.Skip(rehearsal.AfterRun1.Calls).Take(rehearsal.AfterRun2.Calls - rehearsal.AfterRun1.Calls);
}

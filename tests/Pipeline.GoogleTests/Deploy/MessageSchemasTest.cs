using System.Text.Json.Nodes;
using Pipeline.Tests.Fixtures;
using Pipeline.Tests.Fixtures.CloudApis;

namespace Pipeline.Tests.Deploy;

/// <summary>The fake refuses what Google's front end refuses, judged by the SDK's generated clients.</summary>
public sealed class MessageSchemasTest
{
    [SkippableFact]
    public void KnownFields_AreAccepted()
    {
        var schemas = Schemas();
        schemas.Check("pubsub", "v1", "UpdateSubscriptionRequest", JsonNode.Parse("""
            {"subscription": {"ackDeadlineSeconds": 60, "deadLetterPolicy": {"deadLetterTopic": "projects/p/topics/d", "maxDeliveryAttempts": 10},
             "retryPolicy": {"minimumBackoff": "10s"}, "labels": {"any": "value"}}, "updateMask": "ackDeadlineSeconds,deadLetterPolicy"}
            """)!);
        schemas.CheckMask("pubsub", "v1", "Subscription", "ack_deadline_seconds,deadLetterPolicy.maxDeliveryAttempts");
    }

    [SkippableTheory]
    [InlineData("""{"subscription": {"ackDeadline": 60}}""", "Unknown name \"ackDeadline\" at 'subscription': Cannot find field.")]
    [InlineData("""{"subscription": {"ackDeadlineSeconds": "sixty"}}""", "Invalid value at 'subscription.ackDeadlineSeconds'")]
    [InlineData("""{"subscription": {"state": "SLEEPING"}}""", "Invalid value at 'subscription.state'")]
    [InlineData("""{"subscription": {"labels": {"a": 1}}}""", "Invalid value at 'subscription.labels[a]'")]
    public void UnknownFieldsWrongTypesAndValuesOutsideTheEnum_AreRefusedAsGoogleDoes(string body, string message)
    {
        var error = Assert.Throws<SchemaException>(() => Schemas().Check("pubsub", "v1", "UpdateSubscriptionRequest", JsonNode.Parse(body)!));
        Assert.StartsWith("Invalid JSON payload received.", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void UpdateMaskNamingNoField_IsRefused()
    {
        var error = Assert.Throws<SchemaException>(() => Schemas().CheckMask("eventarc", "v1", "Trigger", "destination,transport.topic"));
        Assert.Contains("'transport.topic' is not a field of Trigger", error.Message, StringComparison.Ordinal);
    }

    private static MessageSchemas Schemas()
    {
        GoogleCloudSdk.RequireSdk();
        return new MessageSchemas(GoogleCloudSdk.GeneratedClientsDirectory!);
    }
}

using CloudNative.CloudEvents;
using Pipeline.Events.Protobuf.Cloud.PubSub.V1;
using Pipeline.Events.Protobuf.Cloud.Storage.V1;

// Each payload names its formatter, as the official generated types do, so that a typed function's data is decoded
// by protobuf's JSON rules.

namespace Pipeline.Events.Protobuf.Cloud.PubSub.V1
{
    [CloudEventFormatter(typeof(ProtobufJsonCloudEventFormatter<MessagePublishedData>))]
    public sealed partial class MessagePublishedData;
}

namespace Pipeline.Events.Protobuf.Cloud.Storage.V1
{
    [CloudEventFormatter(typeof(ProtobufJsonCloudEventFormatter<StorageObjectData>))]
    public sealed partial class StorageObjectData;
}

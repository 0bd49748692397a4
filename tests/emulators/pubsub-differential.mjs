// One sequence of Publisher calls through Google's official Node.js client, configured by PUBSUB_EMULATOR_HOST
// alone, run by the C# differential test (tests/Pipeline.GoogleTests/PubSub) against Google's Pub/Sub emulator and
// against the local stack, and compared step by step:
//
//   node pubsub-differential.mjs <project> <other-project>
//
// <project> is the one the local stack plays (its product topics exist there). Prints one JSON array on stdout,
// each step {"step": name, "ok": normalized result} or {"step": name, "code": grpc status code, "details": "..."}.
// Results are normalized to what both sides must agree on (topic names, counts of ids), never ids themselves.
// Raw publish requests go through the client's own PublisherClient without batching, so a request carries exactly
// the messages a step gives it, and without retries, so a refusal is seen once.

// No metadata-server lookup: nothing here may leave 127.0.0.1.
process.env.METADATA_SERVER_DETECTION = 'none';
const { PubSub } = await import('@google-cloud/pubsub');

const [project, otherProject] = process.argv.slice(2);
if (!process.env.PUBSUB_EMULATOR_HOST || !otherProject) {
  throw new Error('usage: PUBSUB_EMULATOR_HOST=host:port node pubsub-differential.mjs <project> <other-project>');
}
const pubsub = new PubSub({ projectId: project });
const other = new PubSub({ projectId: otherProject });
const steps = [];

async function step(name, call) {
  try {
    steps.push({ step: name, ok: await call() });
  } catch (e) {
    steps.push({ step: name, code: e.code, details: e.details ?? e.message });
  }
}

const topicPath = (id, p = project) => `projects/${p}/topics/${id}`;
const text = (s) => ({ data: Buffer.from(s, 'utf8') });

// Publish as one request, no batching, no retry: answers the number of ids.
const publish = (topic, messages, timeout = 20000) => new Promise((resolve, reject) =>
  pubsub.request({ client: 'PublisherClient', method: 'publish', reqOpts: { topic, messages }, gaxOpts: { timeout, maxRetries: 0 } },
    (e, response) => (e ? reject(e) : resolve(response.messageIds.length))));

const varintLength = (n) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);

// A request of exactly `bytes` bytes serialized: one message of data only, on `topic`.
function requestOf(topic, bytes) {
  const head = 1 + varintLength(topic.length) + topic.length;
  let data = bytes - head;
  while (head + 1 + varintLength(1 + varintLength(data) + data) + 1 + varintLength(data) + data > bytes) {
    data--;
  }
  return [{ data: Buffer.alloc(data, 0x61) }];
}

const names = async (client, query) => (await client.getTopics(query))[0].map((t) => t.name).sort();
const scratch = topicPath('scratch-topic');
const withAttributes = (attributes) => [{ data: Buffer.from('{}'), attributes }];
const manyAttributes = (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, 'v']));

await step('createScratch', async () => (await pubsub.createTopic('scratch-topic'))[0].name);
await step('createScratchAgain', async () => (await pubsub.createTopic('scratch-topic'))[0].name);
await step('getScratch', async () => (await pubsub.topic('scratch-topic').getMetadata())[0].name);
await step('createProductTopicUserInteraction', async () => (await pubsub.createTopic('user-interaction'))[0].name);
await step('createProductTopicContentMeta', async () => (await pubsub.createTopic('content-meta'))[0].name);
await step('getProductTopic', async () => (await pubsub.topic('user-interaction').getMetadata())[0].name);
await step('listTopics', () => names(pubsub));
await step('listTopicsOnePerPage', async () => {
  const all = [];
  for (let query = { pageSize: 1, autoPaginate: false }; query; ) {
    const [topics, next] = await pubsub.getTopics(query);
    all.push(...topics.map((t) => t.name));
    query = next;
  }
  return all;
});
await step('publishThroughTheClient', () => pubsub.topic('scratch-topic').publishMessage(text('{"kept": false}')).then((id) => typeof id));
await step('publishSeedRecord', () => publish(topicPath('user-interaction'), [text('{"user_id": 65045, "content_id": 12345, "read_percent": 92, "updated_at": "2022-03-27"}')]));
await step('publishThousandMessages', () => publish(scratch, Array.from({ length: 1000 }, () => text('{}'))));
await step('publishThousandAndOneMessages', () => publish(scratch, Array.from({ length: 1001 }, () => text('{}'))));
await step('publishNoMessages', () => publish(scratch, []));
await step('publishEmptyMessage', () => publish(scratch, [text('{}'), {}]));
await step('publishAttributesOnly', () => publish(scratch, withAttributes({ kind: 'ping' }).map(({ attributes }) => ({ attributes }))));
await step('publishUnknownTopic', () => publish(topicPath('no-such-topic'), [text('{}')]));
await step('publishMalformedName', () => publish(`projects/${project}/topicz/scratch-topic`, [text('{}')]));
await step('publishTopicIdTooShort', () => publish(topicPath('ab'), [text('{}')]));
await step('publishHundredAttributes', () => publish(scratch, withAttributes(manyAttributes(100))));
await step('publishHundredAndOneAttributes', () => publish(scratch, withAttributes(manyAttributes(101))));
await step('publishAttributeKey256Bytes', () => publish(scratch, withAttributes({ ['k'.repeat(256)]: 'v' })));
await step('publishAttributeKey257Bytes', () => publish(scratch, withAttributes({ ['k'.repeat(257)]: 'v' })));
await step('publishAttributeValue1024Bytes', () => publish(scratch, withAttributes({ k: 'v'.repeat(1024) })));
await step('publishAttributeValue1025Bytes', () => publish(scratch, withAttributes({ k: 'v'.repeat(1025) })));
await step('publishOrderingKey1024Bytes', () => publish(scratch, [{ ...text('{}'), orderingKey: 'o'.repeat(1024) }]));
await step('publishOrderingKey1025Bytes', () => publish(scratch, [{ ...text('{}'), orderingKey: 'o'.repeat(1025) }]));
await step('publishRequestOf10000000Bytes', () => publish(scratch, requestOf(scratch, 10_000_000)));
// Above production's limit and below the ~11,000,000 bytes past which Google's emulator hangs.
await step('publishRequestOf10400000Bytes', () => publish(scratch, requestOf(scratch, 10_400_000)));
await step('createTopicRetention599s', async () => (await pubsub.createTopic({ name: 'retention-599', messageRetentionDuration: { seconds: 599 } }))[0].name);
await step('createTopicRetention600s', async () => (await pubsub.createTopic({ name: 'retention-600', messageRetentionDuration: { seconds: 600 } }))[0].name);
await step('createTopicRetention31Days', async () => (await pubsub.createTopic({ name: 'retention-31d', messageRetentionDuration: { seconds: 2678400 } }))[0].name);
await step('createTopicRetention31DaysAnd1s', async () => (await pubsub.createTopic({ name: 'retention-31d-1s', messageRetentionDuration: { seconds: 2678401 } }))[0].name);
await step('getProductTopicInOtherProject', async () => (await other.topic('user-interaction').getMetadata())[0].name);
await step('publishToProductTopicInOtherProject', () => publish(topicPath('user-interaction', otherProject), [text('{}')]));
await step('listTopicsInOtherProject', () => names(other));
await step('createProductTopicInOtherProject', async () => (await other.createTopic('user-interaction'))[0].name);
await step('publishToCreatedTopicInOtherProject', () => publish(topicPath('user-interaction', otherProject), [text('{}')]));
await step('deleteScratch', async () => (await pubsub.topic('scratch-topic').delete(), true));
await step('getDeletedScratch', async () => (await pubsub.topic('scratch-topic').getMetadata())[0].name);
await step('deleteScratchAgain', async () => (await pubsub.topic('scratch-topic').delete(), true));
await step('publishToDeletedScratch', () => publish(scratch, [text('{}')]));
await step('listTopicSubscriptions', async () => (await pubsub.topic('user-interaction').getSubscriptions())[0].length);
await step('deleteProductTopic', async () => (await pubsub.topic('content-meta').delete(), true));

await pubsub.close();
await other.close();
process.stdout.write(JSON.stringify(steps) + '\n');

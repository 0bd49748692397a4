// Drives the local stack's Pub/Sub emulator API with Google's official Node.js client, configured by
// PUBSUB_EMULATOR_HOST alone (no credentials), as a publisher would. Run by the C# tests (tests/Pipeline.Tests/Local):
//
//   node pubsub.mjs publish <project> <topic> <record> [<topic> <record> ...]
//       publishes each record (JSON text) as one message, all at once (the client batches them), and prints
//       {"ids": [...]} in argument order
//   node pubsub.mjs topics <project> <new-topic>
//       creates, gets, lists, publishes to and deletes a topic, and tries what must be refused
//   node pubsub.mjs refusals <project>
//       calls what the stack does not serve, or serves with an error
//
// Prints one JSON object on stdout: each call's {"ok": result} or {"code": grpc status code, "details": "..."}.
import { PubSub } from '@google-cloud/pubsub';

const [command, project, ...args] = process.argv.slice(2);
if (!process.env.PUBSUB_EMULATOR_HOST) {
  throw new Error('PUBSUB_EMULATOR_HOST is not set');
}
const pubsub = new PubSub({ projectId: project });

async function outcome(call) {
  try {
    return { ok: await call() };
  } catch (e) {
    return { code: e.code, details: e.details ?? e.message };
  }
}

const record = (text) => ({ data: Buffer.from(text, 'utf8') });

const commands = {
  async publish(pairs) {
    const published = [];
    for (let i = 0; i < pairs.length; i += 2) {
      published.push(pubsub.topic(pairs[i]).publishMessage(record(pairs[i + 1])));
    }
    return { ids: await Promise.all(published) };
  },

  async topics([name]) {
    const topic = pubsub.topic(name);
    return {
      create: await outcome(async () => (await pubsub.createTopic(name))[0].name),
      createAgain: await outcome(async () => (await pubsub.createTopic(name))[0].name),
      createProduct: await outcome(async () => (await pubsub.createTopic('user-interaction'))[0].name),
      get: await outcome(async () => (await topic.getMetadata())[0].name),
      getProduct: await outcome(async () => (await pubsub.topic('content-meta').getMetadata())[0].name),
      list: await outcome(async () => (await pubsub.getTopics())[0].map((t) => t.name)),
      listByOne: await outcome(async () => {
        const names = [];
        for (let query = { pageSize: 1, autoPaginate: false }; query; ) {
          const [topics, next] = await pubsub.getTopics(query);
          names.push(...topics.map((t) => t.name));
          query = next;
        }
        return names;
      }),
      publish: await outcome(() => topic.publishMessage(record('{"dropped": true}'))),
      delete: await outcome(async () => (await topic.delete(), true)),
      getDeleted: await outcome(async () => (await topic.getMetadata())[0].name),
      deleteProduct: await outcome(async () => (await pubsub.topic('user-interaction').delete(), true)),
    };
  },

  async refusals() {
    return {
      publishUnknownTopic: await outcome(() => pubsub.topic('no-such-topic').publishMessage(record('{}'))),
      publishMalformedName: await outcome(() => pubsub.topic(`projects/${project}/topicz/user-interaction`).publishMessage(record('{}'))),
      listTopicSubscriptions: await outcome(async () => (await pubsub.topic('user-interaction').getSubscriptions())[0].length),
      createSubscription: await outcome(async () => (await pubsub.topic('user-interaction').createSubscription('local-sub'))[0].name),
    };
  },
};

if (!commands[command]) {
  throw new Error(`unknown command ${command}: publish, topics or refusals`);
}
const result = await commands[command](args);
await pubsub.close();
process.stdout.write(JSON.stringify(result) + '\n');

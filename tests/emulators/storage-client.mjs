// Drives the local stack with Google's official Cloud Storage client, configured only through STORAGE_EMULATOR_HOST
// (no apiEndpoint, no credentials). Writes the two CSV dumps it is given into the bucket — one in a simple
// (multipart) upload from a file, one in a resumable upload sent in 256 KiB chunks — then lists, reads back and
// ranges over them, and prints one JSON line: what the client saw.
//
//   node storage-client.mjs <bucket> <content-meta.csv> <user-interaction.csv>
import { readFile } from 'node:fs/promises';
import { Storage } from '@google-cloud/storage';

const [bucketName, contentFile, interactionFile] = process.argv.slice(2);
if (!process.env.STORAGE_EMULATOR_HOST || !interactionFile) {
  console.error('usage: STORAGE_EMULATOR_HOST=http://127.0.0.1:<port> node storage-client.mjs <bucket> <content.csv> <interaction.csv>');
  process.exit(2);
}

const storage = new Storage({ projectId: 'local-project' });
const bucket = storage.bucket(bucketName);

const [bucketExists] = await bucket.exists();
const [buckets] = await storage.getBuckets();

// A simple upload (uploadType=multipart) of a file.
const [contentObject] = await bucket.upload(contentFile, { destination: 'content_meta/client-meta.csv', resumable: false });

// A resumable upload in chunks: the CSV is larger than one 256 KiB chunk, so the stack answers 308 until the last.
const interactionBytes = await readFile(interactionFile);
const interaction = bucket.file('user_interaction/client-reads.csv');
await interaction.save(interactionBytes, { resumable: true, chunkSize: 256 * 1024, contentType: 'text/csv' });
const [interactionMetadata] = await interaction.getMetadata();

const [listed] = await bucket.getFiles({ prefix: 'user_interaction/' });
const [downloaded] = await interaction.download();
const [head] = await interaction.download({ start: 0, end: 6 });
const [missing] = await bucket.file('user_interaction/none.csv').exists();

console.log(JSON.stringify({
  bucketExists,
  buckets: buckets.map(b => b.name),
  content: { name: contentObject.metadata.name, generation: String(contentObject.metadata.generation), size: String(contentObject.metadata.size) },
  interaction: { name: interactionMetadata.name, generation: String(interactionMetadata.generation), size: String(interactionMetadata.size) },
  listed: listed.map(f => f.name),
  downloadMatches: Buffer.compare(downloaded, interactionBytes) === 0,
  head: head.toString('utf8'),
  missingExists: missing,
}));

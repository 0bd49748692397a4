// A bridge from the C# tests to ZetaSQL (GoogleSQL's reference engine), whose gRPC server ships in the npm package
// @fivetrandevelopers/zetasql. It starts the server on 127.0.0.1, then serves newline-delimited JSON:
//   stdin:  {"id":N,"method":"Analyze","request":{...}}      one request a line; many may be in flight at once
//   stdout: {"id":N,"response":{...}} or {"id":N,"error":{"code":N,"details":"..."}}, in completion order
// Messages are the protos' own (lib/zetasql/protos/local_service.proto) with snake_case field names; 64-bit
// integers are strings, enums are their names, bytes are base64. The first line out is {"ready":true}, or the
// process exits non-zero with the reason on stderr. The server is killed when stdin closes or on SIGTERM/SIGINT.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const packageRoot = dirname(require.resolve('@fivetrandevelopers/zetasql/package.json'));
const serverPath = join(packageRoot, 'lib', 'zetasql', 'remote_server.so'); // the Linux x86-64 build
const protosPath = join(packageRoot, 'lib', 'zetasql', 'protos');
const host = '127.0.0.1';
const startTimeoutMs = 30_000;

let server; // the ZetaSQL server's child process
let stopping = false;
const fail = (message) => {
  process.stderr.write(`zetasql bridge: ${message}\n`);
  stop(1);
};

// --- The server. Started with port 0 it binds a free port but reports ":0", so its real port is read from /proc:
// the inodes of its socket descriptors, matched against the LISTEN rows (state 0A) of its tcp and tcp6 tables.
if (process.platform !== 'linux' || process.arch !== 'x64') {
  fail(`the ZetaSQL server in the npm package runs on Linux x86-64 only (this is ${process.platform} ${process.arch})`);
}
server = spawn(serverPath, [host, '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
server.on('error', (error) => fail(`cannot start ${serverPath}: ${error.message}`));
server.on('exit', (code, signal) => {
  if (!stopping) fail(`the ZetaSQL server exited (code ${code}, signal ${signal})`);
});
server.stderr.on('data', (chunk) => process.stderr.write(chunk));
let serverOutput = '';
server.stdout.on('data', (chunk) => (serverOutput += chunk));

function listeningPort(pid) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {
      // The descriptor was closed meanwhile.
    }
  }
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (state === '0A' && inodes.has(inode)) return parseInt(local.split(':')[1], 16);
    }
  }
  return undefined;
}

// Kills the server and waits (briefly) for it, so that it is reaped here rather than left a zombie.
function stop(code) {
  stopping = true;
  if (!server || server.exitCode !== null || server.signalCode !== null) process.exit(code);
  server.once('exit', () => process.exit(code));
  server.kill('SIGKILL');
  setTimeout(() => process.exit(code), 2000).unref();
}
process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));

async function startServer() {
  const deadline = Date.now() + startTimeoutMs;
  while (!serverOutput.includes('Server listening')) {
    if (Date.now() > deadline) fail(`the ZetaSQL server did not start in ${startTimeoutMs} ms; it printed: ${serverOutput}`);
    await sleep(20);
  }
  let port;
  while ((port = listeningPort(server.pid)) === undefined) {
    if (Date.now() > deadline) fail('the ZetaSQL server has no listening socket');
    await sleep(20);
  }
  return port;
}

// --- The client.
const definition = protoLoader.loadSync('local_service.proto', {
  keepCase: true, // field names as in the protos (snake_case)
  longs: String, // int64 as decimal strings: no precision lost above 2^53
  enums: String, // enum values by name
  bytes: String, // base64
  defaults: false, // unset fields are absent, not zero
  oneofs: true, // a oneof's name holds the name of the member that is set
  json: true, // NaN and ±Infinity as strings
  includeDirs: [protosPath],
});
const Service = grpc.loadPackageDefinition(definition).zetasql.local_service.ZetaSqlLocalService;

const port = await startServer();
const client = new Service(`${host}:${port}`, grpc.credentials.createInsecure(), {
  'grpc.max_receive_message_length': -1, // resolved ASTs and results can exceed the 4 MB default
  'grpc.max_send_message_length': -1,
});
await new Promise((resolve) =>
  client.waitForReady(Date.now() + startTimeoutMs, (error) =>
    error ? fail(`cannot connect to the ZetaSQL server on port ${port}: ${error.message}`) : resolve()));
process.stdout.write('{"ready":true}\n');

const reply = (message) => process.stdout.write(JSON.stringify(message) + '\n');
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  if (line.trim() === '') return;
  let id;
  try {
    const call = JSON.parse(line);
    id = call.id;
    if (typeof client[call.method] !== 'function' || !(call.method in Service.service)) {
      reply({ id, error: { code: grpc.status.UNIMPLEMENTED, details: `no such method: ${call.method}` } });
      return;
    }
    client[call.method](call.request ?? {}, (error, response) =>
      reply(error ? { id, error: { code: error.code, details: error.details ?? error.message } } : { id, response }));
  } catch (error) {
    reply({ id, error: { code: grpc.status.INVALID_ARGUMENT, details: `bad request line: ${error.message}` } });
  }
});
lines.on('close', () => stop(0));

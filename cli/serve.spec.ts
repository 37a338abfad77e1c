// `wirebench serve` as a user runs it: a child process that serves, reports where, and drains
// on SIGTERM with a zero exit code even while a stream is open.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:http2';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { LibraryServiceClient } from '../schemas/gen/pbjs/library_grpc_pb.ts';

interface LogLine {
  msg?: string;
  ports?: { http?: number; h2?: number; grpc?: number; metrics?: number };
  [key: string]: unknown;
}

/** One Connect-protocol unary call (JSON) over HTTP/2 prior knowledge. */
function connectH2GetBook(port: number, id: number): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${port}`);
    session.on('error', reject);
    const req = session.request({
      ':method': 'POST',
      ':path': '/library.v1.LibraryService/GetBook',
      'content-type': 'application/json',
    });
    let status = 0;
    let text = '';
    req.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => {
      session.close();
      resolve({ status, body: JSON.parse(text) });
    });
    req.on('error', reject);
    req.end(JSON.stringify({ id }));
  });
}

function grpcGetBook(port: number, id: number): Promise<unknown> {
  const client = new LibraryServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.getBook({ id }, (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res);
    });
  });
}

function startServe(args: string[]): {
  child: ChildProcess;
  logs: LogLine[];
  ready: Promise<LogLine>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WIREBENCH_LOG_LEVEL: 'info' },
  });
  const logs: LogLine[] = [];
  const ready = new Promise<LogLine>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as LogLine;
      logs.push(entry);
      if (entry.msg === 'serving') resolve(entry);
    });
    child.once('exit', (code) => reject(new Error(`serve exited early with code ${code}`)));
  });
  return { child, logs, ready };
}

describe('wirebench serve', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('serves every protocol on its port, then drains on SIGTERM with exit code 0', async () => {
    const { child, logs, ready } = startServe([
      ...['--port', '0', '--h2-port', '0', '--grpc-port', '0'],
      ...['--scale', 'small', '--seed', '3'],
    ]);
    children.push(child);
    const { ports } = await ready;
    assert.ok(ports?.http && ports.h2 && ports.grpc, 'the serving log line names every bound port');
    const base = `http://127.0.0.1:${ports.http}`;

    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const book = (await (await fetch(`${base}/v1/books/1`)).json()) as {
      id: number;
      title: string;
    };
    assert.equal(book.id, 1);
    const gql = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ book(id: 1) { id title } }' }),
    });
    assert.deepEqual(await gql.json(), { data: { book: { id: '1', title: book.title } } });
    const connectH1 = await fetch(`${base}/library.v1.LibraryService/GetBook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 1 }),
    });
    assert.equal(((await connectH1.json()) as { book: { title: string } }).book.title, book.title);
    const connectH2 = await connectH2GetBook(ports.h2, 1);
    assert.equal(connectH2.status, 200);
    assert.equal((connectH2.body as { book: { title: string } }).book.title, book.title);
    const viaGrpc = (await grpcGetBook(ports.grpc, 1)) as { book: { title: string } };
    assert.equal(viaGrpc.book.title, book.title);

    // An open SSE stream must not hold the shutdown up: draining ends it.
    const sse = await fetch(`${base}/v1/reviews/events`, {
      headers: { accept: 'text/event-stream' },
    });
    assert.equal(sse.status, 200);
    const drained = sse.text();

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    await drained;
    assert.ok(logs.some((l) => l.msg === 'stopped'));
  });

  it('serves one protocol alone with --only, and Prometheus metrics on their own port', async () => {
    const { child, ready } = startServe([
      ...['--only', 'graphql', '--port', '0', '--metrics-port', '0', '--scale', 'small'],
    ]);
    children.push(child);
    const { ports } = await ready;
    assert.deepEqual(Object.keys(ports ?? {}).sort(), ['http', 'metrics']);
    const base = `http://127.0.0.1:${ports?.http}`;
    const scrape = async () => {
      const text = await (await fetch(`http://127.0.0.1:${ports?.metrics}/metrics`)).text();
      assert.match(text, /^nodejs_eventloop_lag_p99_seconds /m);
      assert.match(text, /^process_cpu_seconds_total /m);
      return Number(/^wirebench_store_queries_total (\d+)/m.exec(text)?.[1]);
    };
    const queriesBefore = await scrape();
    const gql = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ book(id: 2) { id } }' }),
    });
    assert.equal(gql.status, 200);
    assert.equal(await scrape(), queriesBefore + 1, 'one store query for one book');
    const rest = await fetch(`${base}/v1/books/2`);
    assert.equal(rest.status, 404, 'REST is not served');
    assert.equal(rest.headers.get('content-type'), 'application/problem+json');
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });

  it('rejects a bad flag with a usage error (exit code 2)', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'cli/main.ts', 'serve', '--scale', 'huge'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 2);
    assert.match(stderr, /--scale/);
  });
});

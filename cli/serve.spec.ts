// `wirebench serve` as a user runs it: a child process that serves, reports where, and drains
// on SIGTERM with a zero exit code even while a stream is open.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';

interface LogLine {
  msg?: string;
  rest?: string;
  [key: string]: unknown;
}

function startServe(args: string[]): { child: ChildProcess; logs: LogLine[]; ready: Promise<LogLine> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WIREBENCH_LOG_LEVEL: 'info' },
  });
  const logs: LogLine[] = [];
  const ready = new Promise<LogLine>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as LogLine;
      logs.push(entry);
      if (entry.msg === 'serving HTTP/1.1') resolve(entry);
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

  it('serves REST, GraphQL and health, then drains on SIGTERM with exit code 0', async () => {
    const { child, logs, ready } = startServe(['--port', '0', '--scale', 'small', '--seed', '3']);
    children.push(child);
    const base = (await ready).rest?.replace(/\/v1$/, '');
    assert.ok(base, 'the serving log line names the REST base URL');

    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    const book = (await (await fetch(`${base}/v1/books/1`)).json()) as { id: number };
    assert.equal(book.id, 1);
    const gql = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ book(id: 1) { id } }' }),
    });
    assert.deepEqual(await gql.json(), { data: { book: { id: '1' } } });

    // An open SSE stream must not hold the shutdown up: draining ends it.
    const sse = await fetch(`${base}/v1/reviews/events`, { headers: { accept: 'text/event-stream' } });
    assert.equal(sse.status, 200);
    const drained = sse.text();

    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    await drained;
    assert.ok(logs.some((l) => l.msg === 'stopped'));
  });

  it('rejects a bad flag with a usage error (exit code 2)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'serve', '--scale', 'huge'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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

// `wirebench inspect` as a command: it prints JSON that says what the text says against given
// endpoints, and refuses unknown names with exit code 2 and the valid ones. What a transcript
// holds is tested beside the library, in clients/inspect.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type InspectReport, toDomainBook } from '../clients/inspect/index.ts';
import { type ServerProcess, startServerProcess } from '../clients/server-process.ts';

const REPO = resolve(import.meta.dirname, '..');
const run = promisify(execFile);

async function wirebench(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'cli/main.ts', ...args],
      { cwd: REPO, maxBuffer: 32 * 1024 * 1024 },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('wirebench inspect', () => {
  let server: ServerProcess;

  before(async () => {
    server = await startServerProcess({ scale: 'small' });
  });
  after(async () => {
    await server?.stop();
  });

  it('prints the structured result with --json against given endpoints', async () => {
    const { code, stdout } = await wirebench([
      'inspect',
      'rest',
      'getbook',
      '--json',
      '--http',
      server.endpoints.http,
      '--h2',
      server.endpoints.h2,
      '--grpc',
      server.endpoints.grpc,
    ]);
    assert.equal(code, 0);
    const report = JSON.parse(stdout) as InspectReport;
    assert.equal(report.operation, 'GetBook');
    const res = await fetch(`${server.endpoints.http}/v1/books/1`);
    assert.deepEqual(report.decoded, toDomainBook((await res.json()) as Record<string, unknown>));
    assert.equal(report.listed.request, report.wire.request.total);
    assert.equal(report.listed.response, report.wire.response.total);
    const head = report.connections[0]?.items[0];
    assert.equal(head?.kind, 'head');
    assert.equal(head?.kind === 'head' && head.startLine, 'GET /v1/books/1 HTTP/1.1');
  });

  // Each case is its own process (a few seconds of tsx start-up): they run side by side.
  it('exits 2 with the valid names for an unknown protocol or operation', async () => {
    const [badVariant, badOperation, badCompare] = await Promise.all([
      wirebench(['inspect', 'soap', 'GetBook']),
      wirebench(['inspect', 'rest', 'FetchEverything']),
      wirebench(['inspect', '--compare', 'Nope']),
    ]);
    assert.equal(badVariant.code, 2);
    assert.match(badVariant.stderr, /unknown protocol "soap"; valid: rest, graphql, grpc/);
    assert.equal(badOperation.code, 2);
    assert.match(
      badOperation.stderr,
      /unknown operation "FetchEverything"; valid: GetBook, ListBooks/,
    );
    assert.equal(badCompare.code, 2);
    assert.match(badCompare.stderr, /valid: GetBook/);
  });

  it('exits 2 when the arguments fit neither form or the body limit is not a count', async () => {
    const [none, two, limit] = await Promise.all([
      wirebench(['inspect']),
      wirebench(['inspect', '--compare', 'GetBook', 'ListBooks']),
      wirebench(['inspect', 'rest', 'GetBook', '--body-limit', '-1']),
    ]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /inspect takes PROTOCOL OPERATION \(or --compare OPERATION\)/);
    assert.equal(two.code, 2);
    assert.match(two.stderr, /inspect --compare takes one OPERATION/);
    assert.equal(limit.code, 2);
    assert.match(limit.stderr, /argument '-1' is invalid\. must be a whole number/);
  });
});

// `wirebench inspect`: every protocol's GetBook, read back from the wire bytes alone, is the
// same domain book; the bytes inspect lists add up to the accounting's totals; the command
// refuses unknown names with exit code 2 and prints JSON that says the same as the text.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Book, VARIANTS } from '../clients/contract.ts';
import { type ServerProcess, startServerProcess } from '../clients/server-process.ts';
import {
  compareVariants,
  type InspectReport,
  inspectVariant,
  renderCompare,
  renderReport,
  toDomainBook,
} from './inspect.ts';

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

function assertListedEqualsAccounting(report: InspectReport): void {
  for (const dir of ['request', 'response'] as const) {
    const side = report.wire[dir];
    assert.equal(report.listed[dir], side.total, `${report.variant} ${dir}: listed bytes`);
    assert.equal(
      side.headers + side.trailers + side.framing + side.body + side.connection,
      side.total,
      `${report.variant} ${dir}: layers`,
    );
  }
  assert.equal(report.wire.totals.unparsed, 0);
  assert.deepEqual(report.wire.errors, []);
}

describe('wirebench inspect', () => {
  let server: ServerProcess;
  let reference: Book;

  before(async () => {
    server = await startServerProcess({ scale: 'small' });
    const res = await fetch(`${server.endpoints.http}/v1/books/1`);
    reference = toDomainBook((await res.json()) as Record<string, unknown>);
  });
  after(async () => {
    await server?.stop();
  });

  describe('GetBook on every protocol', () => {
    for (const variant of VARIANTS) {
      it(`${variant}: decodes the wire to the reference book, and lists every byte`, async () => {
        const report = await inspectVariant(variant, 'GetBook', server.endpoints);
        assert.equal(report.ok, true, JSON.stringify(report.error));
        assert.deepEqual(report.decoded, reference);
        // What the client made of the same bytes.
        assert.deepEqual(JSON.parse(JSON.stringify(report.result)), reference);
        assertListedEqualsAccounting(report);
        assert.equal(report.wire.newConnection, true);
        const text = renderReport(report);
        assert.match(text, /bytes on the wire/);
        assert.match(text, /The Golden Harbour/);
        if (report.connections[0]?.protocol === 'http2') {
          assert.match(text, /→ connection preface \(24 bytes\)/);
          assert.match(text, /→ HEADERS flags=0x04 \[END_HEADERS\] stream=1 length=\d+/);
          assert.match(text, /:path: \/library\.v1\.LibraryService\/GetBook/);
        } else {
          assert.match(text, /^→ (GET|POST) \//m);
          assert.match(text, /^← HTTP\/1\.1 200 OK/m);
        }
        if (variant.includes('proto') || variant.startsWith('grpc')) {
          assert.match(text, /library\.v1\.GetBookResponse/);
          assert.match(text, /^ {6}0000 {2}[0-9a-f]{2} /m, 'a hex dump of the binary message');
        }
        if (variant === 'grpc' || variant === 'grpc-connect') {
          assert.match(text, /trailers: HPACK \d+ bytes/);
          assert.match(text, /grpc-status: 0/);
        }
        if (variant.startsWith('grpc-web')) assert.match(text, /gRPC-Web trailer frame flags=0x80/);
      });
    }
  });

  it('shows a warm call on a reused connection', async () => {
    const report = await inspectVariant('connect-proto-h2', 'GetBook', server.endpoints, {
      warm: true,
    });
    assert.equal(report.wire.newConnection, false);
    assert.equal(report.wire.request.connection, 0);
    assertListedEqualsAccounting(report);
  });

  it('compares variants side by side, first and second call', async () => {
    const rows = await compareVariants('GetBook', server.endpoints, ['rest', 'grpc', 'graphql']);
    for (const row of rows) {
      assert.equal(row.cold?.ok, true);
      assert.equal(row.warm?.ok, true);
      assertListedEqualsAccounting(row.cold as InspectReport);
      assertListedEqualsAccounting(row.warm as InspectReport);
    }
    const text = renderCompare('GetBook', rows);
    const lines = text.split('\n');
    const grpcRows = lines.filter((l) => l.startsWith('grpc '));
    assert.equal(grpcRows.length, 2, 'one row per table');
    const total = (line: string) => Number(line.trim().split(/\s+/)[9]);
    const [cold, warm] = grpcRows as [string, string];
    assert.equal(total(cold), rows[1]?.cold?.wire.totals.total);
    assert.ok(total(warm) < total(cold), 'no preface, SETTINGS or full headers the second time');
  });

  it('says n/a for an operation a protocol lacks', async () => {
    const rows = await compareVariants('StreamCatalog', server.endpoints, ['graphql']);
    assert.equal(rows[0]?.cold?.ok, false);
    assert.equal(rows[0]?.cold?.error?.code, 'unimplemented');
    assert.match(renderCompare('StreamCatalog', rows), /graphql\s+n\/a \(unimplemented/);
  });

  describe('the command', () => {
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
      assert.deepEqual(report.decoded, reference);
      assertListedEqualsAccounting(report);
      const head = report.connections[0]?.items[0];
      assert.equal(head?.kind, 'head');
      assert.equal(head?.kind === 'head' && head.startLine, 'GET /v1/books/1 HTTP/1.1');
    });

    it('exits 2 with the valid names for an unknown protocol or operation', async () => {
      const badVariant = await wirebench(['inspect', 'soap', 'GetBook']);
      assert.equal(badVariant.code, 2);
      assert.match(badVariant.stderr, /unknown protocol "soap"; valid: rest, graphql, grpc/);
      const badOperation = await wirebench(['inspect', 'rest', 'FetchEverything']);
      assert.equal(badOperation.code, 2);
      assert.match(
        badOperation.stderr,
        /unknown operation "FetchEverything"; valid: GetBook, ListBooks/,
      );
      const badCompare = await wirebench(['inspect', '--compare', 'Nope']);
      assert.equal(badCompare.code, 2);
      assert.match(badCompare.stderr, /valid: GetBook/);
    });
  });
});

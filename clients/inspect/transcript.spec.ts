// The transcript of a real call: every protocol's GetBook, read back from the wire bytes alone,
// is the same domain book the client returned; the bytes listed unit by unit add up to the
// accounting's totals; a second call reuses the connection; a protocol without an operation
// reports the error instead of failing the comparison.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Book, VARIANTS } from '../contract.ts';
import { type ServerProcess, startServerProcess } from '../server-process.ts';
import { describeVariant } from '../variants.ts';
import { toDomainBook } from './decode.ts';
import { compareVariants, type InspectReport, inspectVariant } from './transcript.ts';

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

describe('inspect transcript', () => {
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

  for (const variant of VARIANTS) {
    it(`${variant}: GetBook decodes from the wire to the reference book, every byte listed`, async () => {
      const report = await inspectVariant(variant, 'GetBook', server.endpoints);
      assert.equal(report.ok, true, JSON.stringify(report.error));
      assert.deepEqual(report.decoded, reference);
      // What the client made of the same bytes.
      assert.deepEqual(JSON.parse(JSON.stringify(report.result)), reference);
      assertListedEqualsAccounting(report);
      assert.equal(report.wire.newConnection, true);
      const expected = describeVariant(variant).transport === 'h2' ? 'http2' : 'http1';
      assert.deepEqual(
        report.connections.map((c) => c.protocol),
        [expected],
      );
    });
  }

  it('shows a warm call on a reused connection', async () => {
    const report = await inspectVariant('connect-proto-h2', 'GetBook', server.endpoints, {
      warm: true,
    });
    assert.equal(report.wire.newConnection, false);
    assert.equal(report.wire.request.connection, 0);
    assertListedEqualsAccounting(report);
  });

  it('compares a subset of variants against running servers, first and second call', async () => {
    const rows = await compareVariants('GetBook', server.endpoints, ['rest', 'grpc', 'graphql']);
    assert.deepEqual(
      rows.map((row) => row.variant),
      ['rest', 'grpc', 'graphql'],
    );
    for (const row of rows) {
      assert.equal(row.cold?.ok, true);
      assert.equal(row.warm?.ok, true);
      assertListedEqualsAccounting(row.cold as InspectReport);
      assertListedEqualsAccounting(row.warm as InspectReport);
    }
    const grpc = rows[1] as Required<(typeof rows)[number]>;
    assert.ok(
      grpc.warm.wire.totals.total < grpc.cold.wire.totals.total,
      'no preface, SETTINGS or full headers the second time',
    );
  });

  it('reports the error of an operation a protocol lacks', async () => {
    const rows = await compareVariants('StreamCatalog', server.endpoints, ['graphql']);
    assert.equal(rows[0]?.cold?.ok, false);
    assert.equal(rows[0]?.cold?.error?.code, 'unimplemented');
    assert.equal(rows[0]?.cold?.decoded, undefined);
  });
});

// The transcript as terminal text, from real calls: HTTP/2 shows its preface, frames and HPACK
// headers, HTTP/1.1 its start lines; binary messages get their protobuf type and a hex dump;
// trailers show where each protocol puts them; the comparison tables add up to the reports.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VARIANTS, type Variant } from '../contract.ts';
import { type ServerProcess, startServerProcess } from '../server-process.ts';
import { describeVariant } from '../variants.ts';
import { renderCompare, renderReport } from './render-text.ts';
import { compareVariants, type InspectReport, inspectVariant } from './transcript.ts';

describe('inspect text', () => {
  let server: ServerProcess;
  const reports = new Map<Variant, InspectReport>();

  before(async () => {
    server = await startServerProcess({ scale: 'small' });
    for (const variant of VARIANTS) {
      reports.set(variant, await inspectVariant(variant, 'GetBook', server.endpoints));
    }
  });
  after(async () => {
    await server?.stop();
  });

  for (const variant of VARIANTS) {
    it(`${variant}: GetBook prints every unit, its headers and the decoded book`, () => {
      const facts = describeVariant(variant);
      const text = renderReport(reports.get(variant) as InspectReport);
      assert.match(text, /^wirebench inspect \S+ GetBook: book 1$/m);
      assert.match(text, /bytes on the wire/);
      assert.match(text, /The Golden Harbour/);
      if (facts.transport === 'h2') {
        assert.match(text, /→ connection preface \(24 bytes\)/);
        assert.match(text, /→ HEADERS flags=0x04 \[END_HEADERS\] stream=1 length=\d+/);
        assert.match(text, /:path: \/library\.v1\.LibraryService\/GetBook/);
      } else {
        assert.match(text, /^→ (GET|POST) \//m);
        assert.match(text, /^← HTTP\/1\.1 200 OK/m);
      }
      if (facts.codec === 'protobuf') {
        assert.match(text, /library\.v1\.GetBookResponse/);
        assert.match(text, /^ {6}0000 {2}[0-9a-f]{2} /m, 'a hex dump of the binary message');
      }
      if (facts.protocol === 'grpc') {
        assert.match(text, /trailers: HPACK \d+ bytes/);
        assert.match(text, /grpc-status: 0/);
      }
      if (facts.protocol === 'grpc-web') assert.match(text, /gRPC-Web trailer frame flags=0x80/);
    });
  }

  it('cuts long bodies at the limit and says how much it left out', () => {
    const text = renderReport(reports.get('rest') as InspectReport, 40);
    assert.match(text, /… truncated: 40 of \d+ characters shown \(\d+ bytes on the wire\)/);
  });

  it('tabulates first and second calls with totals equal to the reports', async () => {
    const rows = await compareVariants('GetBook', server.endpoints, ['rest', 'grpc', 'graphql']);
    const lines = renderCompare('GetBook', rows).split('\n');
    const grpcRows = lines.filter((l) => l.startsWith('grpc '));
    assert.equal(grpcRows.length, 2, 'one row per table');
    const total = (line: string) => Number(line.trim().split(/\s+/)[9]);
    const [cold, warm] = grpcRows as [string, string];
    assert.equal(total(cold), rows[1]?.cold?.wire.totals.total);
    assert.equal(total(warm), rows[1]?.warm?.wire.totals.total);
  });

  it('says n/a, with the reason, for an operation a protocol lacks', async () => {
    const rows = await compareVariants('StreamCatalog', server.endpoints, ['graphql']);
    assert.match(renderCompare('StreamCatalog', rows), /graphql\s+n\/a \(unimplemented/);
  });
});

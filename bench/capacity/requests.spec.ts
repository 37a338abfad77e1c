import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VARIANTS } from '../../clients/contract.ts';
import { type ServerProcess, startServerProcess } from '../../clients/server-process.ts';
import {
  buildCrudReadRequests,
  drawBookIds,
  encodeGetBook,
  originOf,
  transportOf,
} from './requests.ts';
import { decodeGetBook, sendSpec, splitFrames, verifySpecs } from './responses.ts';

// Scale small seeds 200 books.
const MAX_ID = 200;

describe('crud-read ids', () => {
  it('draws the same ids for the same seed, others for another, all within 1..maxId', () => {
    const a = drawBookIds({ maxId: MAX_ID, count: 500, seed: 7 });
    assert.deepEqual(drawBookIds({ maxId: MAX_ID, count: 500, seed: 7 }), a);
    assert.notDeepEqual(drawBookIds({ maxId: MAX_ID, count: 500, seed: 8 }), a);
    assert.ok(a.every((id) => Number.isInteger(id) && id >= 1 && id <= MAX_ID));
    assert.ok(new Set(a).size > 100, 'ids spread over the range');
  });

  it('gives every variant the same ids, encoded once each', () => {
    const ids = drawBookIds({ maxId: MAX_ID, count: 20, seed: 3 });
    for (const variant of VARIANTS) {
      const specs = buildCrudReadRequests(variant, { maxId: MAX_ID, count: 20, seed: 3 });
      assert.deepEqual(
        specs.map((spec) => spec.id),
        ids,
      );
      assert.ok(specs.every((spec) => Buffer.isBuffer(spec.body)));
    }
  });

  it('frames gRPC and gRPC-Web bodies in one uncompressed 5-byte envelope', () => {
    for (const variant of ['grpc', 'grpc-connect', 'grpc-web-h1', 'grpc-web-h2'] as const) {
      const spec = encodeGetBook(variant, 150);
      const { messages, trailer } = splitFrames(spec.body);
      assert.equal(spec.body[0], 0);
      assert.equal(messages.length, 1);
      assert.equal(trailer, undefined);
      // GetBookRequest { id: 150 } = field 1 varint: 08 96 01
      assert.deepEqual([...(messages[0] ?? [])], [0x08, 0x96, 0x01]);
    }
    assert.equal(encodeGetBook('grpc', 1).headers.te, 'trailers');
    assert.equal(encodeGetBook('connect-json-h1', 150).body.toString(), '{"id":150}');
    assert.equal(encodeGetBook('rest', 150).path, '/v1/books/150');
  });
});

describe('crud-read requests against a real server', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess({ scale: 'small' });
  });
  after(async () => {
    await server?.stop();
  });

  for (const variant of VARIANTS) {
    it(`${variant}: each spec sent as is returns the book it asks for`, async () => {
      const specs = buildCrudReadRequests(variant, { maxId: MAX_ID, count: 3, seed: 11 });
      const origin = originOf(variant, server.endpoints);
      for (const spec of specs) {
        const response = await sendSpec(origin, spec, transportOf(variant));
        assert.equal(response.status, 200);
        const outcome = decodeGetBook(variant, response);
        assert.ok(outcome.ok, JSON.stringify(outcome));
        assert.equal(outcome.id, spec.id);
        assert.ok(outcome.title.length > 0);
        assert.equal(spec.verify?.(response), undefined);
      }
      await verifySpecs(origin, specs, transportOf(variant), 3);
    });
  }

  it('decodes an unknown id as the failure each protocol reports', async () => {
    const expected = {
      rest: { status: 404, grpcStatus: undefined },
      graphql: { status: 200, grpcStatus: undefined },
      'connect-json-h1': { status: 404, grpcStatus: undefined },
      'connect-proto-h2': { status: 404, grpcStatus: undefined },
      'grpc-web-h1': { status: 200, grpcStatus: 5 },
      'grpc-web-h2': { status: 200, grpcStatus: 5 },
      grpc: { status: 200, grpcStatus: 5 },
      'grpc-connect': { status: 200, grpcStatus: 5 },
    } as const;
    for (const [variant, want] of Object.entries(expected) as [
      keyof typeof expected,
      (typeof expected)[keyof typeof expected],
    ][]) {
      const spec = encodeGetBook(variant, 999_999);
      const origin = originOf(variant, server.endpoints);
      const response = await sendSpec(origin, spec, transportOf(variant));
      const outcome = decodeGetBook(variant, response);
      assert.equal(outcome.ok, false, variant);
      assert.equal(response.status, want.status, variant);
      if (!outcome.ok) assert.equal(outcome.grpcStatus, want.grpcStatus, variant);
      assert.match(spec.verify?.(response) ?? '', /999999/);
      await assert.rejects(
        verifySpecs(origin, [spec], transportOf(variant)),
        /request check failed/,
        variant,
      );
    }
  });
});

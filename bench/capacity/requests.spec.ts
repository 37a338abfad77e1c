import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fromBinary, fromJsonString } from '@bufbuild/protobuf';
import { VARIANTS, type Variant } from '../../clients/contract.ts';
import { type ServerProcess, startServerProcess } from '../../clients/server-process.ts';
import { describeVariant, originOf } from '../../clients/variants.ts';
import { ListBooksRequestSchema } from '../../schemas/gen/es/library/v1/library_pb.ts';
import {
  buildCapacityRequests,
  buildCrudReadRequests,
  CAPACITY_OPERATIONS,
  drawBookIds,
  encodeGetBook,
  encodeListBooks,
} from './requests.ts';
import { decodeGetBook, decodeListBooks, sendSpec, splitFrames, verifySpecs } from './responses.ts';

const transportOf = (variant: Variant) => describeVariant(variant).transport;

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

describe('list requests', () => {
  const list = { name: 'list', operation: 'listBooks' as const, params: { pageSize: 20 } };

  it('ask for the first page of the scenario’s page size, as each client does', () => {
    assert.equal(encodeListBooks('rest', 20).path, '/v1/books?page_size=20');
    assert.equal(encodeListBooks('rest', 20).method, 'GET');
    const graphql = JSON.parse(encodeListBooks('graphql', 20).body.toString());
    assert.deepEqual(graphql.variables, { first: 20 });
    assert.equal(graphql.operationName, 'ListBooks');
    assert.match(graphql.query, /books\(first: \$first/);
    assert.equal(encodeListBooks('connect-json-h2', 20).body.toString(), '{"pageSize":20}');
    for (const variant of VARIANTS.filter((v) => describeVariant(v).codec === 'protobuf')) {
      const spec = encodeListBooks(variant, 20);
      assert.match(spec.path, /\/library\.v1\.LibraryService\/ListBooks$/, variant);
      const { protocol } = describeVariant(variant);
      const bytes = protocol === 'connect' ? spec.body : splitFrames(spec.body).messages[0];
      assert.equal(fromBinary(ListBooksRequestSchema, bytes!).pageSize, 20, variant);
    }
    const json = encodeListBooks('connect-json-h1', 7).body.toString();
    assert.equal(fromJsonString(ListBooksRequestSchema, json).pageSize, 7);
  });

  it('are what a scenario of listBooks builds, with its page size', () => {
    const specs = buildCapacityRequests('grpc', { ...list, params: { pageSize: 5 } }, { maxId: 1 });
    assert.equal(specs.length, 1);
    assert.deepEqual(
      [...(splitFrames(specs[0]!.body).messages[0] ?? [])],
      [0x08, 0x05],
      'ListBooksRequest { page_size: 5 }',
    );
    assert.deepEqual(
      buildCapacityRequests('rest', { ...list, params: {} }, { maxId: 1 }).map((s) => s.path),
      ['/v1/books?page_size=20'],
      'the default page size of the list scenario',
    );
  });

  it('exist for getBook and listBooks; other operations are refused by name', () => {
    assert.deepEqual([...CAPACITY_OPERATIONS].sort(), ['getBook', 'listBooks']);
    assert.throws(
      () =>
        buildCapacityRequests(
          'rest',
          { name: 'nested', operation: 'authorTree', params: {} },
          {
            maxId: 1,
          },
        ),
      /scenario nested: operation authorTree has no pre-encoded capacity requests/,
    );
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

  for (const variant of VARIANTS) {
    it(`${variant}: the list request returns the first page of books, in id order`, async () => {
      const spec = encodeListBooks(variant, 20, MAX_ID);
      const origin = originOf(variant, server.endpoints);
      const response = await sendSpec(origin, spec, transportOf(variant));
      assert.equal(response.status, 200);
      const outcome = decodeListBooks(variant, response);
      assert.ok(outcome.ok, JSON.stringify(outcome));
      assert.deepEqual(
        outcome.ids,
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      assert.ok(outcome.nextCursor, 'a next page');
      assert.equal(spec.verify?.(response), undefined);
      await verifySpecs(origin, [spec], transportOf(variant));
    });
  }

  it('tells a GetBook answer from a page of books, both ways', async () => {
    for (const variant of VARIANTS) {
      const origin = originOf(variant, server.endpoints);
      const book = await sendSpec(origin, encodeGetBook(variant, 3), transportOf(variant));
      const page = await sendSpec(origin, encodeListBooks(variant, 20), transportOf(variant));
      assert.ok(encodeListBooks(variant, 20, MAX_ID).verify?.(book), `${variant}: not a page`);
      assert.ok(encodeGetBook(variant, 3).verify?.(page), `${variant}: a page is not book 3`);
    }
  });
});

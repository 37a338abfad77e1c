// The micro-benchmarks' structure, never their timings: every (payload, codec) pair is
// measured, each codec round-trips, sizes are sensible, and each codec's bytes are the bytes
// the servers really send. One server child process (small scale) for the whole file.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LibraryClient } from '../../clients/contract.ts';
import { AUTHOR_TREE, CATALOG, GET_BOOK, LIST_BOOKS } from '../../clients/graphql/documents.ts';
import { createClient } from '../../clients/index.ts';
import { type ServerProcess, startServerProcess } from '../../clients/server-process.ts';
import type { MicroData } from './data.ts';
import { readMicroData } from './data.ts';
import {
  CODECS,
  type MicroCase,
  PAYLOADS,
  prepareMicroCases,
  runMicroBenchmarks,
} from './index.ts';
import { assertRoundTrip } from './round-trip.ts';
import { toBytes } from './sizes.ts';
import { formatMicroReport } from './table.ts';

const SEED = 42;

let server: ServerProcess;
let client: LibraryClient;
let data: MicroData;
// Prepared once: each preparation round-trips and compresses every payload.
let cases: MicroCase[];

before(async () => {
  server = await startServerProcess({ scale: 'small', seed: SEED });
  client = createClient('rest', server.endpoints);
  data = await readMicroData(client);
  cases = await prepareMicroCases(data);
});

after(async () => {
  await client?.close();
  await server?.stop();
});

function findCase(payload: string, codec: string): MicroCase {
  const found = cases.find((c) => c.payload.name === payload && c.codec === codec);
  assert.ok(found, `no case ${payload}/${codec}`);
  return found;
}

describe('runMicroBenchmarks', () => {
  test('measures every payload in every codec, both ways, with finite margins', async () => {
    const results = await runMicroBenchmarks({ scale: 'small', seed: SEED, timeMs: 1, data });
    const expected = PAYLOADS.flatMap((p) =>
      CODECS.flatMap((c) => [`${p.name}/${c}/encode`, `${p.name}/${c}/decode`]),
    );
    assert.deepEqual(
      results.map((r) => `${r.payload}/${r.codec}/${r.operation}`),
      expected,
    );
    assert.equal(results.length, 6 * 5 * 2);
    for (const r of results) {
      const name = `${r.payload}/${r.codec}/${r.operation}`;
      assert.ok(Number.isFinite(r.opsPerSecond) && r.opsPerSecond > 0, name);
      assert.ok(Number.isFinite(r.marginPercent) && r.marginPercent >= 0, name);
      assert.ok(Number.isInteger(r.samples) && r.samples >= 16, name);
      assert.deepEqual(Object.keys(r).sort(), [
        'bytes',
        'codec',
        'marginPercent',
        'operation',
        'opsPerSecond',
        'payload',
        'samples',
      ]);
    }
    const report = formatMicroReport(results);
    assert.match(report, /catalog vs rest-json \(raw\/gzip\/brotli\): graphql-json /);
  });

  test('selects payloads and codecs by regular expression', async () => {
    const results = await runMicroBenchmarks({
      scale: 'small',
      seed: SEED,
      timeMs: 1,
      data,
      payloads: /^chat-/,
      codecs: /^protobuf/,
    });
    assert.deepEqual(
      results.map((r) => `${r.payload}/${r.codec}/${r.operation}`),
      [
        'chat-message/protobufjs/encode',
        'chat-message/protobufjs/decode',
        'chat-message/protobuf-es-binary/encode',
        'chat-message/protobuf-es-binary/decode',
        'chat-message/protobuf-es-json/encode',
        'chat-message/protobuf-es-json/decode',
      ],
    );
  });
});

describe('payloads', () => {
  test('are the real data of the scale: 200 books, 20 authors, 50 reviews, a chat message', () => {
    assert.equal(data.catalog.length, 200);
    assert.equal(data.page.items.length, 20);
    assert.equal(data.tree.length, 20);
    assert.ok(data.tree.every((a) => a.books.every((b) => b.reviews.length <= 3)));
    assert.equal(data.imports.length, 50);
    assert.equal(data.book.id, data.page.items[0]?.id);
    assert.equal(data.chat.room, 'micro-bench');
    assert.ok(!Number.isNaN(Date.parse(data.chat.sentAt)));
  });

  test('sizes are ordered sensibly: compression helps the catalog, protobuf is smaller', () => {
    for (const codec of CODECS) {
      const { bytes } = findCase('catalog', codec);
      assert.ok(bytes.gzip < bytes.raw, `${codec} gzip ${bytes.gzip} < raw ${bytes.raw}`);
      assert.ok(bytes.brotli < bytes.raw, `${codec} brotli ${bytes.brotli} < raw ${bytes.raw}`);
    }
    const json = findCase('catalog', 'rest-json').bytes.raw;
    for (const codec of ['protobufjs', 'protobuf-es-binary']) {
      const binary = findCase('catalog', codec).bytes.raw;
      assert.ok(binary < json, `${codec} ${binary} < rest-json ${json}`);
    }
  });

  test('protobufjs and protobuf-es write the same bytes for every payload', () => {
    for (const payload of PAYLOADS) {
      const pbjs = toBytes(findCase(payload.name, 'protobufjs').prepared.encoded);
      const es = toBytes(findCase(payload.name, 'protobuf-es-binary').prepared.encoded);
      assert.deepEqual(Buffer.from(pbjs), Buffer.from(es), payload.name);
    }
  });

  test('the round-trip check refuses a codec that drops a field', () => {
    const book = data.book;
    assert.throws(
      () => assertRoundTrip('get-book/lossy', book, { ...book, description: '' }),
      /get-book\/lossy does not round-trip .*\$\.description/,
    );
    assert.throws(
      () => assertRoundTrip('catalog/lossy', data.catalog, data.catalog.slice(1)),
      /\$\.length \(200 != 199\)/,
    );
    // The same instant in another form is the same data (proto3 JSON drops a zero fraction).
    assert.doesNotThrow(() =>
      assertRoundTrip('get-book/form', book, {
        ...book,
        publishedAt: new Date(book.publishedAt).toISOString().replace('.000Z', 'Z'),
      }),
    );
  });
});

describe('encodings are the bytes the servers send and accept', () => {
  async function fetchBody(path: string, init?: RequestInit): Promise<Buffer> {
    const response = await fetch(new URL(path, server.endpoints.http), init);
    assert.equal(response.status, 200, path);
    return Buffer.from(await response.arrayBuffer());
  }

  function encodedOf(payload: string, codec: string): Buffer {
    return Buffer.from(toBytes(findCase(payload, codec).prepared.encoded));
  }

  function postConnect(
    method: string,
    contentType: string,
    body: string | Uint8Array<ArrayBuffer>,
  ) {
    return fetchBody(`/library.v1.LibraryService/${method}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
  }

  test('REST bodies', async () => {
    const id = data.book.id;
    assert.deepEqual(await fetchBody(`/v1/books/${id}`), encodedOf('get-book', 'rest-json'));
    assert.deepEqual(
      await fetchBody('/v1/books?page_size=20'),
      encodedOf('list-books', 'rest-json'),
    );
    assert.deepEqual(
      await fetchBody('/v1/catalog', { headers: { accept: 'application/json' } }),
      encodedOf('catalog', 'rest-json'),
    );
    // Small scale has 20 authors: the tree of 20 is the last page, with no cursor to leave out.
    assert.deepEqual(
      await fetchBody('/v1/authors?page_size=20&include=books.reviews&reviews_per_book=3'),
      encodedOf('author-tree', 'rest-json'),
    );
  });

  test('GraphQL bodies', async () => {
    const query = (document: unknown, variables: Record<string, unknown>) =>
      fetchBody('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: String(document), variables }),
      });
    assert.deepEqual(
      await query(GET_BOOK, { id: String(data.book.id) }),
      encodedOf('get-book', 'graphql-json'),
    );
    assert.deepEqual(
      await query(LIST_BOOKS, { first: 20 }),
      encodedOf('list-books', 'graphql-json'),
    );
    assert.deepEqual(
      await query(AUTHOR_TREE, { first: 20, latest: 3 }),
      encodedOf('author-tree', 'graphql-json'),
    );
    assert.deepEqual(await query(CATALOG, {}), encodedOf('catalog', 'graphql-json'));
  });

  test('Connect bodies, binary and JSON', async () => {
    const id = data.book.id;
    const getBook = Uint8Array.of(0x08, id); // GetBookRequest{id}: field 1, varint (id < 128)
    assert.ok(id < 128);
    assert.deepEqual(
      await postConnect('GetBook', 'application/proto', getBook),
      encodedOf('get-book', 'protobuf-es-binary'),
    );
    assert.deepEqual(
      await postConnect('GetBook', 'application/json', JSON.stringify({ id })),
      encodedOf('get-book', 'protobuf-es-json'),
    );
    assert.deepEqual(
      await postConnect('ExportCatalog', 'application/proto', new Uint8Array(0)),
      encodedOf('catalog', 'protobufjs'),
    );
    assert.deepEqual(
      await postConnect('GetAuthorTree', 'application/json', '{"pageSize":20,"reviewsPerBook":3}'),
      encodedOf('author-tree', 'protobuf-es-json'),
    );
  });

  // Last: importing changes the latest reviews that the tree checks above compare.
  test('the import requests are bodies the servers accept', async () => {
    const rest = await fetchBody('/v1/reviews/import', {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', accept: 'application/json' },
      body: encodedOf('import-reviews', 'rest-json').toString(),
    });
    assert.deepEqual(JSON.parse(rest.toString()), { imported: 50 });
    const graphql = await fetchBody('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: encodedOf('import-reviews', 'graphql-json').toString(),
    });
    assert.deepEqual(JSON.parse(graphql.toString()), {
      data: { importReviews: { importedCount: 50 } },
    });
  });
});

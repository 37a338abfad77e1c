// Old clients against new servers and new against old, for every proto variant, through the
// real evolution clients and servers. The servers run in their child process
// (startEvolutionServers), as clients reach every server: over the network.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CHANGE_SETS, findChangeSet } from '../../schemas/evolution/catalogue.ts';
import { findPbjsMethod, loadProtoContract } from '../../schemas/evolution/proto-plain.ts';
import {
  type ClientReading,
  type EvolutionClient,
  type EvolutionVariant,
  FAMILY_OF,
  LoudFailure,
  type Plain,
  type ServerRecord,
  type Version,
} from '../../schemas/evolution/types.ts';
import { createConnectClient } from './connect.ts';
import { createGrpcClient } from './grpc.ts';
import { type EvolutionServerProcess, startEvolutionServers } from './server-process.ts';

const VARIANTS = ['grpc', 'grpc-connect', 'connect-proto', 'grpc-web', 'connect-json'] as const;
type ProtoVariant = (typeof VARIANTS)[number];
const isJson = (variant: ProtoVariant) => variant === 'connect-json';

let host: EvolutionServerProcess;
let exchanges = 0;

interface Observed {
  reading?: ClientReading;
  failure?: LoudFailure;
  record?: ServerRecord;
}

/** One call of a client of `client` to the server of `server`; the client closed afterwards. */
async function observe(
  name: string,
  variant: EvolutionVariant,
  client: Version,
  server: Version,
  operation: 'getBook' | 'createBook',
  request: Plain,
): Promise<Observed> {
  const change = findChangeSet(name);
  assert.ok(change, `${name} is in the catalogue`);
  let evolutionClient: EvolutionClient | undefined;
  try {
    const create = variant === 'grpc' ? createGrpcClient : createConnectClient;
    evolutionClient = await create({
      change,
      version: client,
      variant,
      baseUrl: host.baseUrl(name, server, FAMILY_OF[variant]),
    });
    const exchange = `exchange-${++exchanges}`;
    const observed: Observed = {};
    try {
      observed.reading = await evolutionClient.call(operation, request, exchange);
    } catch (err) {
      if (!(err instanceof LoudFailure)) throw err;
      observed.failure = err;
    }
    const [record, ...more] = await host.records(exchange);
    assert.equal(more.length, 0, 'one record per exchange');
    if (record) observed.record = record;
    return observed;
  } finally {
    await evolutionClient?.close();
  }
}

function bookOf(name: string, version: Version): Plain {
  const book = findChangeSet(name)?.book[version];
  assert.ok(book);
  return book;
}

function withoutId(book: Plain): Plain {
  const { id: _, ...rest } = book;
  return rest;
}

/** What the server of a createBook records and echoes: the book with the zero id. */
const stored = (book: Plain): Plain => ({ id: 0, ...withoutId(book) });

/** The top-level fields of grpc-js bytes, decoded with a version's type, by name. */
async function decodeWith(name: string, version: Version, base64: string): Promise<Plain> {
  const contract = await loadProtoContract(findChangeSet(name)!, version);
  const type = findPbjsMethod(contract, 'createBook')!.resolvedRequestType!;
  const message = type.decode(Buffer.from(base64, 'base64'));
  return Object.fromEntries(Object.entries(message)) as Plain;
}

describe('proto evolution clients', () => {
  before(async () => {
    host = await startEvolutionServers(CHANGE_SETS.map((c) => c.name));
  });

  after(async () => {
    await host.stop();
  });

  for (const variant of VARIANTS) {
    describe(variant, () => {
      test('v1 ↔ v1: the book and a written book come through intact', async () => {
        const book = bookOf('add-optional-field', 'v1');
        const read = await observe('add-optional-field', variant, 'v1', 'v1', 'getBook', {
          id: 7,
        });
        assert.deepEqual(read.reading?.value, book);
        assert.deepEqual(read.record?.value, { id: 7 });
        const write = await observe(
          'add-optional-field',
          variant,
          'v1',
          'v1',
          'createBook',
          withoutId(book),
        );
        assert.deepEqual(write.record?.value, stored(book));
        assert.deepEqual(write.reading?.value, stored(book));
      });

      test('add-optional-field: a v1 client reads a v2 book without its subtitle', async () => {
        const { reading } = await observe('add-optional-field', variant, 'v1', 'v2', 'getBook', {
          id: 7,
        });
        assert.deepEqual(reading?.value, bookOf('add-optional-field', 'v1'));
        if (variant === 'grpc') {
          // The bytes carried it: field 9 arrived and the v1 decoder skipped it.
          const carried = await decodeWith('add-optional-field', 'v2', reading!.received!);
          assert.equal(carried.subtitle, 'A novel of Gethen');
        }
      });

      test('add-optional-field: a v2 client writes a subtitle the v1 server does not store', async () => {
        const book = bookOf('add-optional-field', 'v2');
        const { reading, record } = await observe(
          'add-optional-field',
          variant,
          'v2',
          'v1',
          'createBook',
          withoutId(book),
        );
        assert.deepEqual(record?.value, stored(bookOf('add-optional-field', 'v1')));
        if (isJson(variant)) assert.equal(JSON.parse(reading!.sent!).subtitle, book.subtitle);
        // The echo: protobuf-es keeps the unknown field 9 and writes it back; protobufjs
        // (grpc-js server) drops it on decode; JSON has nothing to carry it in.
        const echoes = variant !== 'grpc' && !isJson(variant);
        assert.deepEqual(
          reading?.value,
          echoes ? stored(book) : stored(bookOf('add-optional-field', 'v1')),
        );
      });

      test('rename-field: old and new meet on the field number, not on the name', async () => {
        const title = bookOf('rename-field', 'v1').title;
        const read = await observe('rename-field', variant, 'v1', 'v2', 'getBook', { id: 7 });
        // JSON carries "name", which the v1 reader ignores: it sees the empty default.
        assert.equal(read.reading?.value.title, isJson(variant) ? '' : title);
        const write = await observe(
          'rename-field',
          variant,
          'v2',
          'v1',
          'createBook',
          withoutId(bookOf('rename-field', 'v2')),
        );
        assert.equal(write.record?.value.title, isJson(variant) ? '' : title);
        assert.equal(write.reading?.value.name, isJson(variant) ? '' : title);
      });

      test('add-enum-value: a value the reader does not know', async () => {
        const read = await observe('add-enum-value', variant, 'v1', 'v2', 'getBook', { id: 7 });
        // Binary: the open enum keeps the number. JSON: the name POETRY is ignored as an
        // unknown value (connect parses with ignoreUnknownFields), leaving the zero value.
        assert.equal(read.reading?.value.genre, isJson(variant) ? 'GENRE_UNSPECIFIED' : 4);
        const write = await observe(
          'add-enum-value',
          variant,
          'v2',
          'v1',
          'createBook',
          withoutId(bookOf('add-enum-value', 'v2')),
        );
        assert.equal(write.record?.value.genre, isJson(variant) ? 'GENRE_UNSPECIFIED' : 4);
        // The v1 server echoes the number it kept, which the v2 client names again.
        assert.equal(write.reading?.value.genre, isJson(variant) ? 'GENRE_UNSPECIFIED' : 'POETRY');
      });

      test('failures reach the caller in the protocol’s own spelling', async () => {
        const { failure, record } = await observe(
          'add-required-field',
          variant,
          'v1',
          'v2',
          'createBook',
          withoutId(bookOf('add-required-field', 'v1')),
        );
        const connect = variant === 'connect-json' || variant === 'connect-proto';
        assert.equal(failure?.code, connect ? 'invalid_argument' : 'INVALID_ARGUMENT');
        assert.equal(failure?.message, 'isbn is required');
        assert.equal(record?.value.isbn, '');
      });
    });
  }

  test('a response the client cannot decode is the INTERNAL error grpc-js reports', async () => {
    // int32-to-string: v1's year (a varint) meets a v2 reader that expects a string.
    const { failure } = await observe('int32-to-string', 'grpc', 'v2', 'v1', 'createBook', {
      ...withoutId(bookOf('int32-to-string', 'v2')),
    });
    assert.equal(failure?.code, 'INTERNAL');
  });
});

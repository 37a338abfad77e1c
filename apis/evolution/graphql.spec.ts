// The GraphQL evolution server (graphql-yoga over each version's SDL) through the
// graphql-request evolution client over the network: what an old/new pair reads, records and
// refuses when graphql-js validates and coerces by the server's schema.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createGraphqlClient } from '../../clients/evolution/graphql.ts';
import { BASE_BOOK, findChangeSet } from '../../schemas/evolution/catalogue.ts';
import { LoudFailure, type Version } from '../../schemas/evolution/types.ts';
import { startGraphqlServer } from './graphql.ts';
import { type Exchange, withExchange as sharedExchange, withoutId } from './test-support.ts';

/** A graphql server of one version and a graphql client of another. */
const withExchange = (
  name: string,
  server: Version,
  client: Version,
  run: (exchange: Exchange) => Promise<void>,
) => sharedExchange(startGraphqlServer, createGraphqlClient, 'graphql', name, server, client, run);

/** Asserts a LoudFailure with this code whose message matches. */
function loud(code: string, message: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof LoudFailure, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  };
}

const SUBTITLED = { ...withoutId(BASE_BOOK), subtitle: 'A novel of Gethen' };

describe('GraphQL evolution: add-optional-field', () => {
  test('a v1 client reading a v2 server never asks for the subtitle', async () => {
    await withExchange('add-optional-field', 'v2', 'v1', async ({ client, records }) => {
      const reading = await client.call('getBook', { id: 7 }, 'e1');
      assert.deepEqual(reading.value, BASE_BOOK);
      // Unlike REST, the field is not on the wire at all: the old document does not select it.
      assert.doesNotMatch(reading.received ?? '', /subtitle/);
      assert.equal(records.length, 1);
      assert.equal(records[0]?.exchange, 'e1');
      assert.deepEqual(records[0]?.value, { id: 7 });
      assert.match(records[0]?.body ?? '', /"query":"query GetBook\(\$id: Int!\)/);
    });
  });

  test('a v2 client writing a subtitle to a v1 server fails validation before any resolver', async () => {
    await withExchange('add-optional-field', 'v1', 'v2', async ({ client, records }) => {
      // The new document selects subtitle on the answer, which the old schema lacks.
      await assert.rejects(
        client.call('createBook', SUBTITLED, 'e2'),
        loud('GRAPHQL_VALIDATION_FAILED', /HTTP 400: Cannot query field "subtitle" on type "Book"/),
      );
      assert.equal(records.length, 0);
    });
  });

  test('v1 to v1 round trip keeps every field, and a missing id reads as NOT_FOUND', async () => {
    await withExchange('add-optional-field', 'v1', 'v1', async ({ client, records }) => {
      const written = await client.call('createBook', withoutId(BASE_BOOK), 'e3');
      assert.deepEqual(written.value, BASE_BOOK);
      assert.deepEqual(records[0]?.value, withoutId(BASE_BOOK));
      const read = await client.call('getBook', { id: 7 }, 'e3');
      assert.deepEqual(read.value, BASE_BOOK);
      await assert.rejects(client.call('getBook', { id: 8 }, 'e3'), loud('NOT_FOUND', /null/));
    });
  });
});

describe('GraphQL evolution: change sets that break a side', () => {
  test('rename-field: an old document fails validation on the new schema, both ways', async () => {
    await withExchange('rename-field', 'v2', 'v1', async ({ client, records }) => {
      await assert.rejects(
        client.call('getBook', { id: 7 }, 'r1'),
        loud('GRAPHQL_VALIDATION_FAILED', /Cannot query field "title" on type "Book"/),
      );
      assert.equal(records.length, 0);
    });
    await withExchange('rename-field', 'v1', 'v2', async ({ client }) => {
      await assert.rejects(
        client.call('getBook', { id: 7 }, 'r2'),
        loud('GRAPHQL_VALIDATION_FAILED', /Cannot query field "name" on type "Book"/),
      );
    });
  });

  test('add-enum-value: a v1 server refuses POETRY in a variable; a v1 reader receives it', async () => {
    const change = findChangeSet('add-enum-value');
    assert.ok(change);
    await withExchange('add-enum-value', 'v1', 'v2', async ({ client, records }) => {
      // Variable coercion errors carry no extensions.code in yoga: the client says GRAPHQL_ERROR.
      await assert.rejects(
        client.call('createBook', withoutId(change.book.v2), 'a1'),
        loud('GRAPHQL_ERROR', /HTTP 400: .*Value "POETRY" does not exist in "Genre" enum/),
      );
      assert.equal(records.length, 0);
    });
    await withExchange('add-enum-value', 'v2', 'v1', async ({ client }) => {
      // The server serializes by its own enum; graphql-request hands the name on unchecked.
      const reading = await client.call('getBook', { id: 7 }, 'a2');
      assert.equal(reading.value.genre, 'POETRY');
    });
  });

  test('add-field-argument: a v1 server refuses the unknown edition argument', async () => {
    await withExchange('add-field-argument', 'v1', 'v2', async ({ client, records }) => {
      await assert.rejects(
        client.call('getBook', { id: 7, edition: 2 }, 'f1'),
        loud('GRAPHQL_VALIDATION_FAILED', /Unknown argument "edition" on field "Query.book"/),
      );
      assert.equal(records.length, 0);
    });
    await withExchange('add-field-argument', 'v2', 'v1', async ({ client, records }) => {
      await client.call('getBook', { id: 7 }, 'f2');
      assert.deepEqual(records[0]?.value, { id: 7 });
    });
  });

  test("change-default: graphql-js applies the server version's input default", async () => {
    const write = findChangeSet('change-default')?.write?.v1;
    assert.ok(write);
    for (const [server, format] of [
      ['v1', 'PAPERBACK'],
      ['v2', 'HARDCOVER'],
    ] as const) {
      await withExchange('change-default', server, 'v1', async ({ client, records }) => {
        const reading = await client.call('createBook', write, 'd1');
        assert.equal(records[0]?.value.format, format);
        assert.equal(reading.value.format, format);
      });
    }
  });

  test('int32-to-int64: the Long scalar takes an old Int variable and answers a string', async () => {
    await withExchange('int32-to-int64', 'v2', 'v1', async ({ client, records }) => {
      const reading = await client.call('createBook', withoutId(BASE_BOOK), 'l1');
      assert.equal(records[0]?.value.pages, '304');
      assert.equal(reading.value.pages, '304');
    });
    await withExchange('int32-to-int64', 'v1', 'v2', async ({ client }) => {
      await assert.rejects(
        client.call('createBook', { ...withoutId(BASE_BOOK), pages: '304' }, 'l2'),
        loud('GRAPHQL_ERROR', /Int cannot represent non-integer value: "304"/),
      );
    });
  });
});

// The REST evolution server (express + express-openapi-validator) through the openapi-fetch
// evolution client over the network: what each side of an old/new pair reads, records and
// refuses, as the two versions' OpenAPI documents make them.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRestClient } from '../../clients/evolution/rest.ts';
import { BASE_BOOK, findChangeSet } from '../../schemas/evolution/catalogue.ts';
import { LoudFailure, type Version } from '../../schemas/evolution/types.ts';
import { startRestServer } from './rest.ts';
import { type Exchange, withExchange as sharedExchange, withoutId } from './test-support.ts';

/** A rest server of one version and a rest client of another. */
const withExchange = (
  name: string,
  server: Version,
  client: Version,
  run: (exchange: Exchange) => Promise<void>,
) => sharedExchange(startRestServer, createRestClient, 'rest', name, server, client, run);

const SUBTITLED = { ...withoutId(BASE_BOOK), subtitle: 'A novel of Gethen' };

describe('REST evolution: add-optional-field', () => {
  test('a v1 client reading a v2 server drops the subtitle the JSON carried', async () => {
    await withExchange('add-optional-field', 'v2', 'v1', async ({ client, records }) => {
      const reading = await client.call('getBook', { id: 7 }, 'e1');
      assert.deepEqual(reading.value, BASE_BOOK);
      assert.equal(JSON.parse(reading.received ?? '{}').subtitle, 'A novel of Gethen');
      assert.deepEqual(records, [
        { exchange: 'e1', operation: 'getBook', value: { id: 7 }, body: '/books/7' },
      ]);
    });
  });

  test('a v2 client writing a subtitle to a v1 server: accepted, the record lacks it', async () => {
    await withExchange('add-optional-field', 'v1', 'v2', async ({ client, records }) => {
      const reading = await client.call('createBook', SUBTITLED, 'e2');
      assert.equal(JSON.parse(reading.sent ?? '{}').subtitle, 'A novel of Gethen');
      assert.equal(records.length, 1);
      assert.deepEqual(records[0]?.value, withoutId(BASE_BOOK));
      assert.match(records[0]?.body ?? '', /"subtitle":"A novel of Gethen"/);
      // The stored book is the record plus the id: the subtitle is gone on the way back too.
      assert.deepEqual(reading.value, BASE_BOOK);
    });
  });

  test('v1 to v1 round trip keeps every field, and a missing id answers 404', async () => {
    await withExchange('add-optional-field', 'v1', 'v1', async ({ client }) => {
      const written = await client.call('createBook', withoutId(BASE_BOOK), 'e3');
      assert.deepEqual(written.value, BASE_BOOK);
      const read = await client.call('getBook', { id: 7 }, 'e3');
      assert.deepEqual(read.value, BASE_BOOK);
      await assert.rejects(client.call('getBook', { id: 8 }, 'e3'), (err: unknown) => {
        assert.ok(err instanceof LoudFailure);
        assert.equal(err.code, '404');
        return true;
      });
    });
  });
});

describe('REST evolution: change sets that break a side', () => {
  test('rename-field: a v1 reader of v2 silently has no title; a v1 writer gets the 400', async () => {
    await withExchange('rename-field', 'v2', 'v1', async ({ client, records }) => {
      const reading = await client.call('getBook', { id: 7 }, 'r1');
      assert.equal(reading.value.title, undefined);
      assert.equal(JSON.parse(reading.received ?? '{}').name, BASE_BOOK.title);
      await assert.rejects(
        client.call('createBook', withoutId(BASE_BOOK), 'r1'),
        (err: unknown) => {
          assert.ok(err instanceof LoudFailure);
          assert.equal(err.code, '400');
          assert.match(err.message, /required property 'name'/);
          return true;
        },
      );
      // The validator refused before the handler ran: only the read was recorded.
      assert.deepEqual(
        records.map((r) => r.operation),
        ['getBook'],
      );
    });
  });

  test('add-enum-value: a v1 server refuses POETRY; a v1 reader of v2 takes it unchecked', async () => {
    const change = findChangeSet('add-enum-value');
    assert.ok(change);
    await withExchange('add-enum-value', 'v1', 'v2', async ({ client }) => {
      await assert.rejects(
        client.call('createBook', withoutId(change.book.v2), 'a1'),
        (err: unknown) => {
          assert.ok(err instanceof LoudFailure);
          assert.equal(err.code, '400');
          assert.match(err.message, /genre must be equal to one of the allowed values/);
          return true;
        },
      );
    });
    await withExchange('add-enum-value', 'v2', 'v1', async ({ client }) => {
      // Nothing validates responses on either side: the old program holds a value its
      // generated union type does not list.
      const reading = await client.call('getBook', { id: 7 }, 'a2');
      assert.equal(reading.value.genre, change.book.v2.genre);
    });
  });

  test('add-field-argument: a v1 server refuses the unknown edition query parameter', async () => {
    await withExchange('add-field-argument', 'v1', 'v2', async ({ client, records }) => {
      await assert.rejects(client.call('getBook', { id: 7, edition: 2 }, 'f1'), (err: unknown) => {
        assert.ok(err instanceof LoudFailure);
        assert.equal(err.code, '400');
        assert.match(err.message, /Unknown query parameter 'edition'/);
        return true;
      });
      assert.equal(records.length, 0);
    });
    await withExchange('add-field-argument', 'v2', 'v2', async ({ client, records }) => {
      await client.call('getBook', { id: 7, edition: 2 }, 'f2');
      assert.deepEqual(records[0]?.value, { id: 7, edition: 2 });
      assert.equal(records[0]?.body, '/books/7?edition=2');
    });
  });

  test('change-default: each server stores its own default for a format left out', async () => {
    const change = findChangeSet('change-default');
    const write = change?.write?.v1;
    assert.ok(write);
    for (const [server, format] of [
      ['v1', 'PAPERBACK'],
      ['v2', 'HARDCOVER'],
    ] as const) {
      await withExchange('change-default', server, 'v1', async ({ client, records }) => {
        const reading = await client.call('createBook', write, 'd1');
        assert.equal(JSON.parse(reading.sent ?? '{}').format, undefined);
        assert.equal(records[0]?.value.format, format);
        assert.equal(reading.value.format, format);
      });
    }
  });
});

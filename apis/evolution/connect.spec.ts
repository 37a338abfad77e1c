// The connect-node evolution server through the connect-node evolution clients, in process,
// over each protocol it serves at once: what it records, answers and refuses, what its echo
// keeps of fields it does not know, and that closing both leaves nothing running.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fromBinary } from '@bufbuild/protobuf';
import { base64Decode } from '@bufbuild/protobuf/wire';
import { createConnectClient } from '../../clients/evolution/connect.ts';
import { findChangeSet } from '../../schemas/evolution/catalogue.ts';
import { esToPlain, findEsMethod, loadProtoContract } from '../../schemas/evolution/proto-plain.ts';
import type { EvolutionVariant, Version } from '../../schemas/evolution/types.ts';
import { startConnectServer } from './connect.ts';
import { type Exchange, rejection, withExchange as sharedExchange } from './test-support.ts';

const VARIANTS = ['grpc-connect', 'grpc-web', 'connect-proto', 'connect-json'] as const;

/** How each variant spells the codes, as a caller of that protocol sees them. */
const CODES: Record<(typeof VARIANTS)[number], { notFound: string; invalid: string }> = {
  'grpc-connect': { notFound: 'NOT_FOUND', invalid: 'INVALID_ARGUMENT' },
  'grpc-web': { notFound: 'NOT_FOUND', invalid: 'INVALID_ARGUMENT' },
  'connect-proto': { notFound: 'not_found', invalid: 'invalid_argument' },
  'connect-json': { notFound: 'not_found', invalid: 'invalid_argument' },
};

/** A connect-node server of one version and a client of another, over one variant. */
const withExchange = (
  name: string,
  server: Version,
  client: Version,
  variant: EvolutionVariant,
  run: (exchange: Exchange) => Promise<void>,
) => sharedExchange(startConnectServer, createConnectClient, variant, name, server, client, run);

describe('connect-node evolution server', () => {
  for (const variant of VARIANTS) {
    test(`${variant}: getBook records the request and its exchange, and answers the book`, async () => {
      await withExchange('add-optional-field', 'v1', 'v1', variant, async ({ client, records }) => {
        const reading = await client.call('getBook', { id: 7 }, 'read-1');
        assert.deepEqual(reading.value, findChangeSet('add-optional-field')!.book.v1);
        assert.deepEqual(records, [{ exchange: 'read-1', operation: 'getBook', value: { id: 7 } }]);
      });
    });

    test(`${variant}: getBook of another id and a book without a required field are refused`, async () => {
      await withExchange('add-required-field', 'v2', 'v1', variant, async ({ client, records }) => {
        const notFound = await rejection(client.call('getBook', { id: 8 }, 'read-2'));
        assert.equal(notFound.code, CODES[variant].notFound);
        const { id: _, ...book } = findChangeSet('add-required-field')!.book.v1;
        const invalid = await rejection(client.call('createBook', book, 'write-1'));
        assert.equal(invalid.code, CODES[variant].invalid);
        assert.equal(invalid.message, 'isbn is required');
        assert.deepEqual(
          records.map((r) => [r.operation, r.value.isbn]),
          [
            ['getBook', undefined],
            ['createBook', ''],
          ],
        );
      });
    });
  }

  test('listBooks answers the book where the service has it, unimplemented where not', async () => {
    const book = findChangeSet('add-rpc')!.book.v2;
    await withExchange('add-rpc', 'v2', 'v2', 'connect-proto', async ({ client }) => {
      assert.deepEqual((await client.call('listBooks', {}, 'list-1')).value, { books: [book] });
    });
    await withExchange('add-rpc', 'v1', 'v2', 'connect-json', async ({ client, records }) => {
      assert.equal((await rejection(client.call('listBooks', {}, 'list-2'))).code, 'unimplemented');
      assert.deepEqual(records, []);
    });
  });

  test('a binary echo carries back a field the server does not know; a JSON echo cannot', async () => {
    const change = findChangeSet('add-optional-field')!;
    const { id: _, ...book } = change.book.v2;
    const v2Book = findEsMethod(await loadProtoContract(change, 'v2'), 'createBook')!.input;
    await withExchange(change.name, 'v1', 'v2', 'connect-proto', async ({ client, records }) => {
      const reading = await client.call('createBook', book, 'write-2');
      const sent = esToPlain(v2Book, fromBinary(v2Book, base64Decode(reading.sent!)));
      assert.equal(sent.subtitle, book.subtitle);
      assert.equal('subtitle' in (records[0]?.value ?? {}), false, 'the v1 server reads none');
      assert.equal(reading.value.subtitle, book.subtitle, 'protobuf-es kept it as unknown');
    });
    await withExchange(change.name, 'v1', 'v2', 'connect-json', async ({ client, records }) => {
      const reading = await client.call('createBook', book, 'write-3');
      assert.equal(JSON.parse(reading.sent!).subtitle, book.subtitle);
      assert.equal('subtitle' in (records[0]?.value ?? {}), false);
      assert.equal('subtitle' in reading.value, false, 'the JSON parser dropped it');
    });
  });

  test('closing the client and the server leaves no socket, server or timer behind', async () => {
    const count = () =>
      process
        .getActiveResourcesInfo()
        .filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap' || r === 'Timeout').length;
    // Sockets of earlier tests may still be closing: a socket ends a turn after close().
    await sleep(50);
    const before = count();
    for (const variant of VARIANTS) {
      await withExchange('add-optional-field', 'v1', 'v1', variant, async ({ client }) => {
        await client.call('getBook', { id: 7 }, 'leak-1');
        assert.ok(count() > before, 'the exchange holds sockets while open');
      });
    }
    await sleep(50);
    assert.equal(count(), before);
  });
});

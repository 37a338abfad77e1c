// The grpc-js evolution server through the grpc-js evolution client, in process: what it
// records, answers and refuses, what its echo keeps of fields it does not know, and that
// closing both leaves nothing running.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGrpcClient } from '../../clients/evolution/grpc.ts';
import { findChangeSet } from '../../schemas/evolution/catalogue.ts';
import { findPbjsMethod, loadProtoContract } from '../../schemas/evolution/proto-plain.ts';
import type { Version } from '../../schemas/evolution/types.ts';
import { startGrpcServer } from './grpc.ts';
import { type Exchange, rejection, withExchange as sharedExchange } from './test-support.ts';

/** A grpc-js server of one version and a grpc-js client of another. */
const withExchange = (
  name: string,
  server: Version,
  client: Version,
  run: (exchange: Exchange) => Promise<void>,
) => sharedExchange(startGrpcServer, createGrpcClient, 'grpc', name, server, client, run);

/** Field numbers present in a message's bytes (top level only). */
async function fieldNumbers(name: string, version: Version, base64: string): Promise<number[]> {
  const change = findChangeSet(name)!;
  const type = findPbjsMethod(await loadProtoContract(change, version), 'createBook')!
    .resolvedRequestType!;
  const decoded = type.decode(Buffer.from(base64, 'base64'));
  return type.fieldsArray.filter((f) => Object.hasOwn(decoded, f.name)).map((f) => f.id);
}

describe('grpc-js evolution server', () => {
  test('getBook records the request with its bytes and answers the book of the id', async () => {
    await withExchange('add-optional-field', 'v1', 'v1', async ({ client, records }) => {
      const reading = await client.call('getBook', { id: 7 }, 'read-1');
      assert.deepEqual(reading.value, findChangeSet('add-optional-field')!.book.v1);
      assert.deepEqual(records, [
        { exchange: 'read-1', operation: 'getBook', value: { id: 7 }, body: reading.sent },
      ]);
      assert.equal(reading.sent, Buffer.from([0x08, 0x07]).toString('base64'));
    });
  });

  test('getBook of another id is NOT_FOUND', async () => {
    await withExchange('add-optional-field', 'v1', 'v1', async ({ client, records }) => {
      const failure = await rejection(client.call('getBook', { id: 8 }, 'read-2'));
      assert.equal(failure.code, 'NOT_FOUND');
      assert.equal(records.length, 1);
    });
  });

  test('createBook refuses a book without a field the version requires, after recording it', async () => {
    await withExchange('add-required-field', 'v2', 'v1', async ({ client, records }) => {
      const { id: _, ...book } = findChangeSet('add-required-field')!.book.v1;
      const failure = await rejection(client.call('createBook', book, 'write-1'));
      assert.equal(failure.code, 'INVALID_ARGUMENT');
      assert.equal(failure.message, 'isbn is required');
      assert.equal(records[0]?.value.isbn, '');
    });
  });

  test('listBooks answers the book where the service has it, UNIMPLEMENTED where not', async () => {
    const book = findChangeSet('add-rpc')!.book.v2;
    await withExchange('add-rpc', 'v2', 'v2', async ({ client }) => {
      assert.deepEqual((await client.call('listBooks', {}, 'list-1')).value, { books: [book] });
    });
    await withExchange('add-rpc', 'v1', 'v2', async ({ client, records }) => {
      assert.equal((await rejection(client.call('listBooks', {}, 'list-2'))).code, 'UNIMPLEMENTED');
      assert.deepEqual(records, []);
    });
  });

  test('the echo of a field the server does not know is lost: protobufjs drops it on decode', async () => {
    await withExchange('add-optional-field', 'v1', 'v2', async ({ client, records }) => {
      const { id: _, ...book } = findChangeSet('add-optional-field')!.book.v2;
      const reading = await client.call('createBook', book, 'write-2');
      assert.ok((await fieldNumbers('add-optional-field', 'v2', reading.sent!)).includes(9));
      assert.equal(records[0]?.body, reading.sent, 'the server received field 9');
      assert.equal('subtitle' in (records[0]?.value ?? {}), false);
      assert.equal('subtitle' in reading.value, false);
      assert.ok(!(await fieldNumbers('add-optional-field', 'v2', reading.received!)).includes(9));
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
    await withExchange('add-optional-field', 'v1', 'v1', async ({ client }) => {
      await client.call('getBook', { id: 7 }, 'leak-1');
      assert.ok(count() > before, 'the exchange holds sockets while open');
    });
    await sleep(50);
    assert.equal(count(), before);
  });
});

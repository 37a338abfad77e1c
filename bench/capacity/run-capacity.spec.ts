// Capacity repeated over a real server: the requests of a scenario's operation are what goes out,
// a ListBooks page and not a GetBook (told apart by the bytes each answer carries).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Variant } from '../../clients/contract.ts';
import { type ServerProcess, startServerProcess } from '../../clients/server-process.ts';
import { describeVariant, originOf } from '../../clients/variants.ts';
import { buildCapacityRequests } from './requests.ts';
import type { CapacityResult } from './result.ts';
import { runCapacity } from './run-capacity.ts';

const SETTINGS = {
  repeat: 2,
  durationMs: 300,
  warmupMs: 100,
  h1Connections: 2,
  h2Connections: 1,
  h2Streams: 4,
};
const CRUD_READ = { name: 'crud-read', operation: 'getBook' as const, params: {} };
const LIST = { name: 'list', operation: 'listBooks' as const, params: { pageSize: 20 } };

/** Response bytes per completed request, warm-up and window together. */
const bytesPerAnswer = (runs: CapacityResult[]) =>
  runs.reduce((n, r) => n + r.bytesRead, 0) /
  runs.reduce((n, r) => n + r.requests + r.warmupRequests, 0);

describe('runCapacity', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess({ scale: 'small' });
  });
  after(async () => {
    await server?.stop();
  });

  // One variant per generator: autocannon (HTTP/1.1) and the HTTP/2 generator.
  for (const variant of ['rest', 'connect-proto-h2'] as const satisfies readonly Variant[]) {
    it(`${variant}: capacity of list sends ListBooks, a page of 20 books per answer`, async () => {
      const measure = (scenario: typeof LIST | typeof CRUD_READ) =>
        runCapacity(
          { origin: originOf(variant, server.endpoints), pid: server.pid },
          describeVariant(variant).transport,
          buildCapacityRequests(variant, scenario, { maxId: 200, seed: 1 }),
          SETTINGS,
        );
      const list = await measure(LIST);
      const read = await measure(CRUD_READ);
      for (const runs of [list, read]) {
        assert.equal(runs.length, SETTINGS.repeat);
        for (const run of runs) {
          assert.ok(run.requests > 0);
          assert.equal(run.ok, run.requests, 'every answer a success');
        }
      }
      assert.ok((list[0]?.warmupRequests ?? 0) > 0, 'the first repetition warms up');
      // A book is about 1.2 KB on the wire; a page of 20 is fifteen times that and more.
      assert.ok(
        bytesPerAnswer(list) > 15 * bytesPerAnswer(read),
        `${bytesPerAnswer(list)} bytes per list answer, ${bytesPerAnswer(read)} per GetBook`,
      );
    });
  }
});

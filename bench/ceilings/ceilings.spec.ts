import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VARIANTS } from '../../clients/contract.ts';
import { describeVariant, variantsOfCeiling } from '../../clients/variants.ts';
import { runAutocannon } from '../capacity/autocannon.ts';
import { runH2Load } from '../capacity/h2-generator.ts';
import { sendSpec } from '../capacity/responses.ts';
import { CEILING_STACKS, type RunningCeiling, startCeiling } from './index.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function runLoad(ceiling: RunningCeiling) {
  const common = { requests: ceiling.requests, durationMs: 300, warmupMs: 100 };
  return ceiling.transport === 'h1'
    ? runAutocannon({ origin: ceiling.origin, connections: 2, ...common })
    : runH2Load({ authority: ceiling.origin, connections: 1, streams: 4, ...common });
}

describe('ceiling servers', () => {
  for (const stack of CEILING_STACKS) {
    it(`${stack}: starts, answers its requests under load, stops with no process left`, async () => {
      const ceiling = await startCeiling(stack);
      try {
        assert.match(ceiling.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
        assert.ok(isAlive(ceiling.pid));
        assert.ok(ceiling.requests.length > 0);
        const specs = [...ceiling.requests, ...Object.values(ceiling.requestsByVariant).flat()];
        for (const spec of specs) {
          const response = await sendSpec(ceiling.origin, spec, ceiling.transport);
          assert.equal(response.status, 200);
          assert.equal(spec.verify?.(response), undefined);
        }
        const load = await runLoad(ceiling);
        assert.ok(load.requests > 0);
        assert.equal(load.ok, load.requests);
        assert.equal(load.errors, 0);
      } finally {
        await ceiling.stop();
      }
      assert.equal(isAlive(ceiling.pid), false);
    });
  }

  it('serves every protocol variant of connect-node with GetBook', async () => {
    const h1 = await startCeiling('connect-h1');
    const h2 = await startCeiling('connect-h2');
    try {
      assert.deepEqual(Object.keys(h1.requestsByVariant).sort(), [
        'connect-json-h1',
        'connect-proto-h1',
        'grpc-web-h1',
      ]);
      assert.deepEqual(Object.keys(h2.requestsByVariant).sort(), [
        'connect-json-h2',
        'connect-proto-h2',
        'grpc-connect',
        'grpc-web-h2',
      ]);
      assert.deepEqual(
        Object.keys(h2.requestsByVariant).sort(),
        variantsOfCeiling('connect-h2').sort(),
      );
      // The stack's own figure is the binary Connect GetBook, as before the table existed.
      assert.equal(h1.reference, 'connect-proto-h1');
      assert.equal(h2.reference, 'connect-proto-h2');
      assert.equal(h2.requests[0], h2.requestsByVariant['connect-proto-h2']?.[0]);
    } finally {
      await Promise.all([h1.stop(), h2.stop()]);
    }
  });

  it('has a ceiling server for the stack of every variant', () => {
    for (const variant of VARIANTS) {
      assert.ok(CEILING_STACKS.includes(describeVariant(variant).ceiling), variant);
    }
  });

  it('reports a stack that fails to start', async () => {
    await assert.rejects(
      startCeiling('node-http', { wrapper: ['false'] }),
      /exited with code 1 before serving/,
    );
  });
});

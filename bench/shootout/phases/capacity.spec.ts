// The capacity phase against real servers: `"capacity": true` measures the scenario's own
// operation with its parameters, crud-read GetBook and list ListBooks, each on its own row.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadScenarios } from '../../scenarios/index.ts';
import { forEachGroup, onServer, runPipeline } from '../pipeline.ts';
import { testOptions } from '../test-support.ts';
import { capacityPhase } from './capacity.ts';
import { scenariosPhase } from './scenarios.ts';

const scenarios = loadScenarios().filter((s) => s.name === 'crud-read' || s.name === 'list');
const list = scenarios.find((s) => s.name === 'list')!;

const options = testOptions({
  variants: ['rest', 'connect-proto-h2'],
  // A page size the servers refuse (1..100): measured at all only if the phase sends ListBooks
  // with the scenario's own parameters.
  scenarios: [...scenarios, { ...list, name: 'list-oversized', params: { pageSize: 101 } }],
  concurrencyExplicit: true,
  durationMs: 200,
  capacity: { enabled: true, h1Connections: 2, h2Connections: 1, h2Streams: 4 },
});

describe('capacity phase', () => {
  it('measures every capacity scenario with its own operation, on its own row', async () => {
    assert.ok(list.capacity, 'list.json asks for capacity');
    const collected = await runPipeline({ options, wrapper: [] }, [
      forEachGroup(onServer(scenariosPhase, capacityPhase)),
    ]);
    for (const variant of options.variants) {
      for (const scenario of ['crud-read', 'list']) {
        const row = collected.results.find((r) => r.variant === variant && r.scenario === scenario);
        assert.ok(row?.capacity, `${variant} ${scenario} has capacity`);
        assert.equal(row.capacity.errors, 0, `${variant} ${scenario}`);
        assert.ok(row.capacity.throughput.median > 0);
      }
      const oversized = collected.results.find(
        (r) => r.variant === variant && r.scenario === 'list-oversized',
      );
      assert.equal(oversized?.capacity, undefined);
      assert.ok(
        collected.warnings.some((w) =>
          w.includes(`capacity of ${variant} list-oversized failed: request check failed`),
        ),
        collected.warnings.join('\n'),
      );
    }
    // The server's refusal names the request: REST's query, the RPC's method.
    const refusals = collected.warnings.filter((w) => w.includes('list-oversized'));
    assert.match(refusals[0] ?? '', /GET \/v1\/books\?page_size=101: HTTP 400/);
    assert.match(refusals[1] ?? '', /POST \/library\.v1\.LibraryService\/ListBooks: HTTP 400/);
    assert.deepEqual(
      collected.phases.map((p) => `${p.name}@${p.group}`),
      ['scenarios@rest', 'capacity@rest', 'scenarios@connect', 'capacity@connect'],
    );
  });
});

// The default open-loop rate: half of what the variant carries, server and client both.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScenarioResult, Spread } from './results.ts';
import { defaultOpenLoopRate } from './run.ts';

const spread = (median: number): Spread => ({ median, min: median, max: median, n: 3 });

function result(capacity: number | undefined, closedLoop: number[]): ScenarioResult {
  return {
    variant: 'grpc',
    scenario: 'crud-read',
    status: 'ok',
    closedLoop: closedLoop.map((t, i) => ({
      concurrency: 4 ** i,
      throughput: spread(t),
    })) as unknown as ScenarioResult['closedLoop'],
    openLoop: undefined,
    capacity:
      capacity === undefined
        ? undefined
        : ({ throughput: spread(capacity) } as unknown as ScenarioResult['capacity']),
    wire: undefined,
    stream: undefined,
    bidi: undefined,
    itemsPerOp: 1,
  };
}

describe('default open-loop rate', () => {
  it('is half the client’s best throughput when the client is the slower side', () => {
    assert.equal(defaultOpenLoopRate(result(11_000, [900, 2_400, 2_800, 2_700])), 1_400);
  });
  it('is half the server’s capacity when the server is the slower side', () => {
    assert.equal(defaultOpenLoopRate(result(3_000, [1_000, 4_000])), 1_500);
  });
  it('falls back to what was measured, and to nothing without a figure', () => {
    assert.equal(defaultOpenLoopRate(result(undefined, [2_000])), 1_000);
    assert.equal(defaultOpenLoopRate(result(undefined, [])), undefined);
    assert.equal(defaultOpenLoopRate(undefined), undefined);
    assert.equal(defaultOpenLoopRate(result(12, [])), 10, 'never below 10/s');
  });
});

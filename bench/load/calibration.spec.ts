// Correctness of the measurement method against a target with a known latency distribution.
// The bounds are wide on purpose (the issue allows generous calibrated tolerances): they check
// that the open loop sees the stall where the analysis puts it and that the biased methods do
// not, which a broken runner fails by tens of milliseconds, not by timing noise.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  analyticalMean,
  analyticalPercentile,
  type CalibrationResult,
  runCalibration,
} from './calibration.ts';

const MODEL = { serviceMs: 1, stallMs: 100, periodMs: 1000 };

describe('analytical distribution', () => {
  test('1 ms service with a 100 ms stall per second', () => {
    const at = (p: number) => analyticalPercentile(MODEL, p);
    assert.equal(at(50), 1);
    assert.equal(at(90), 1);
    assert.equal(at(95), 51);
    assert.equal(at(99), 91);
    assert.equal(at(99.9), 100);
    assert.equal(at(100), 101);
    assert.equal(analyticalMean(MODEL), 6);
  });

  test('scales with the stall fraction', () => {
    const model = { serviceMs: 2, stallMs: 50, periodMs: 500 };
    assert.equal(analyticalPercentile(model, 89), 2);
    assert.equal(analyticalPercentile(model, 95), 27);
  });
});

// Everything a correct runner must show, as a list of what went wrong.
function checkCalibration(result: CalibrationResult): string[] {
  const problems: string[] = [];
  const expect = (ok: boolean, message: string) => {
    if (!ok) problems.push(message);
  };
  const row = (p: number) => result.rows.find((r) => r.percentile === p)!;
  for (const [name, run] of [
    ['open', result.open],
    ['capped', result.capped],
  ] as const) {
    expect(run.arrivals === 600 && run.ops === 600, `${name}: ${run.ops}/${run.arrivals} of 600`);
    expect(run.errorCount === 0 && run.unfinished === 0, `${name}: errors or unfinished`);
  }
  expect(result.closed.errorCount === 0 && result.closed.ops > 0, 'closed loop: errors or no ops');
  const p99 = row(99);
  expect(
    p99.open.corrected >= 60 && p99.open.corrected <= 130,
    `open-loop corrected p99 ${p99.open.corrected} ms not within 60..130`,
  );
  expect(row(50).open.corrected < 20, `open-loop p50 ${row(50).open.corrected} ms`);
  expect(row(100).open.corrected >= 90, `open-loop max ${row(100).open.corrected} ms`);
  // Capped at one request in flight, timing from the actual send misses the waiting...
  expect(
    p99.capped.uncorrected < p99.capped.corrected / 2,
    `capped p99 uncorrected ${p99.capped.uncorrected} vs corrected ${p99.capped.corrected}`,
  );
  // ...and a closed loop samples the stall far less often than it happens.
  expect(
    p99.closed < p99.open.corrected / 2,
    `closed-loop p99 ${p99.closed} vs open-loop ${p99.open.corrected}`,
  );
  return problems;
}

describe('runCalibration', () => {
  test('the open loop sees the stall; the closed loop and uncorrected timing hide it', async () => {
    // The target is left unpinned so that the kernel can move it away from other work on a
    // shared machine; a second attempt absorbs one run disturbed by another process taking a
    // core for hundreds of milliseconds. A wrong method fails both attempts.
    const attempts: string[][] = [];
    let result: CalibrationResult | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      result = await runCalibration({
        rate: 200,
        durationMs: 3_000,
        warmupMs: 500,
        concurrency: 2,
        pinTarget: false,
      });
      const problems = checkCalibration(result);
      attempts.push(problems);
      if (problems.length === 0) break;
    }
    assert.ok(result);
    assert.deepEqual(attempts.at(-1), [], JSON.stringify({ attempts, rows: result.rows }));
    assert.equal(result.parameters.cap, 1);
    assert.equal(result.pinning.server, null);
    assert.equal(result.processes.open.target.source, 'proc');
    assert.ok(result.processes.open.generator.cpuSeconds > 0);
  });
});

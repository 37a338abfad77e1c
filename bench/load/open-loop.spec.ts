import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeHistogram } from './histogram.ts';
import { runOpenLoop } from './open-loop.ts';
import { SCHEDULER_KINDS } from './scheduler.ts';

function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // a synchronous stall, as a long GC pause or a CPU-bound handler would cause
  }
}

describe('runOpenLoop', () => {
  test('sends every scheduled arrival exactly once and measures those after warm-up', async () => {
    const seen: number[] = [];
    const result = await runOpenLoop({
      rate: 200,
      warmupMs: 100,
      durationMs: 400,
      op: async (i) => {
        seen.push(i);
        await sleep(2);
      },
    });
    // 200/s over 0.5 s: arrivals 0..99, the first 20 in warm-up.
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.equal(result.arrivals, 80);
    assert.equal(result.ops, 80);
    assert.equal(result.errorCount, 0);
    assert.equal(result.corrected.count, 80);
    assert.equal(result.uncorrected.count, 80);
    assert.equal(decodeHistogram(result.histograms.corrected).totalCount, 80);
    assert.equal(result.rate, 200);
    assert.equal(result.scheduler, 'precise');
    assert.equal(result.maxInFlight, null);
    assert.equal(result.unfinished, 0);
    assert.equal(result.aborted, false);
    assert.ok(result.inFlightPeak >= 1);
    assert.equal(result.queuedPeak, 0);
    assert.ok(result.achievedRate > 0);
    // From the intended time is never less than from the actual send.
    assert.ok(result.corrected.max >= result.uncorrected.max);
  });

  for (const scheduler of SCHEDULER_KINDS) {
    test(`the ${scheduler} scheduler keeps the exact arrival count`, async () => {
      let calls = 0;
      const result = await runOpenLoop({
        rate: 500,
        warmupMs: 0,
        durationMs: 200,
        scheduler,
        op: async () => {
          calls += 1;
        },
      });
      assert.equal(calls, 100);
      assert.equal(result.ops, 100);
      assert.equal(result.scheduler, scheduler);
    });
  }

  test('counts errors by canonical code and keeps them out of the latency', async () => {
    const result = await runOpenLoop({
      rate: 400,
      warmupMs: 0,
      durationMs: 100,
      op: async (i) => {
        if (i % 4 === 0) throw Object.assign(new Error('busy'), { code: 'resource_exhausted' });
        if (i % 4 === 1) throw 'not an error object';
      },
    });
    assert.deepEqual(result.errors, { resource_exhausted: 10, unknown: 10 });
    assert.equal(result.errorCount, 20);
    assert.equal(result.ops, 20);
    assert.equal(result.corrected.count, 20);
  });

  test('an operation that throws synchronously is counted, not fatal', async () => {
    const result = await runOpenLoop({
      rate: 200,
      warmupMs: 0,
      durationMs: 50,
      op: () => {
        throw Object.assign(new Error('bad'), { code: 'invalid_argument' });
      },
    });
    assert.deepEqual(result.errors, { invalid_argument: 10 });
  });

  test('a stalled generator shows in the corrected latency, not in the uncorrected', async () => {
    // Arrival 30 blocks the event loop for 200 ms: the ~40 arrivals due meanwhile go out late.
    const result = await runOpenLoop({
      rate: 200,
      warmupMs: 50,
      durationMs: 400,
      op: async (i) => {
        if (i === 30) blockEventLoop(200);
      },
    });
    assert.equal(result.arrivals, 80);
    assert.equal(result.ops, 80, 'nothing was dropped');
    assert.ok(result.corrected.max >= 190, `corrected max ${result.corrected.max}`);
    // A quarter of the arrivals were due in the first 100 ms of the stall.
    assert.ok(result.corrected.p90 >= 100, `corrected p90 ${result.corrected.p90}`);
    assert.ok(result.uncorrected.p90 < 50, `uncorrected p90 ${result.uncorrected.p90}`);
    assert.ok(result.sendLag.max >= 150, `send lag ${result.sendLag.max}`);
  });

  test('waiting behind maxInFlight counts in the corrected latency and nothing is dropped', async () => {
    let inFlight = 0;
    let peak = 0;
    let calls = 0;
    const result = await runOpenLoop({
      rate: 200,
      warmupMs: 0,
      durationMs: 400,
      maxInFlight: 1,
      op: async (i) => {
        calls += 1;
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await sleep(i === 10 ? 200 : 1);
        inFlight -= 1;
      },
    });
    assert.equal(calls, 80);
    assert.equal(result.ops, 80);
    assert.equal(peak, 1);
    assert.equal(result.inFlightPeak, 1);
    assert.equal(result.maxInFlight, 1);
    assert.ok(result.queuedPeak >= 10, `queued peak ${result.queuedPeak}`);
    assert.ok(result.corrected.max >= 190, `corrected max ${result.corrected.max}`);
    assert.ok(result.corrected.p90 >= 100, `corrected p90 ${result.corrected.p90}`);
    assert.ok(result.uncorrected.p90 < 100, `uncorrected p90 ${result.uncorrected.p90}`);
  });

  test('an abort stops dispatching and drops what waits behind the cap', async () => {
    const controller = new AbortController();
    let calls = 0;
    const result = await runOpenLoop({
      rate: 1000,
      warmupMs: 0,
      durationMs: 60_000,
      maxInFlight: 1,
      signal: controller.signal,
      op: async () => {
        calls += 1;
        if (calls === 5) controller.abort();
        await sleep(5);
      },
    });
    assert.equal(result.aborted, true);
    assert.equal(result.ops, calls);
    assert.equal(result.arrivals, calls);
    assert.ok(calls < 100);
  });

  test('rejects nonsense parameters', async () => {
    const op = () => Promise.resolve();
    await assert.rejects(runOpenLoop({ rate: 0, warmupMs: 0, durationMs: 10, op }), RangeError);
    await assert.rejects(
      runOpenLoop({ rate: 10, warmupMs: 0, durationMs: 10, op, maxInFlight: 0 }),
      RangeError,
    );
  });
});

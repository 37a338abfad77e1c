import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runClosedLoop } from './closed-loop.ts';
import { decodeHistogram } from './histogram.ts';

// A fake operation with a controllable delay that records how it was called.
function createFakeOp(delayMs = 2) {
  const state = { calls: 0, inFlight: 0, peak: 0, workers: new Set<number>() };
  const op = async (worker: number) => {
    state.calls += 1;
    state.workers.add(worker);
    state.inFlight += 1;
    state.peak = Math.max(state.peak, state.inFlight);
    try {
      await sleep(delayMs);
    } finally {
      state.inFlight -= 1;
    }
  };
  return { op, state };
}

describe('runClosedLoop', () => {
  test('runs exactly `concurrency` workers, discards warm-up and leaves nothing running', async () => {
    const { op, state } = createFakeOp();
    const result = await runClosedLoop({ concurrency: 3, warmupMs: 100, durationMs: 150, op });
    assert.equal(result.concurrency, 3);
    assert.deepEqual([...state.workers].sort(), [0, 1, 2]);
    assert.equal(state.peak, 3);
    assert.equal(state.inFlight, 0, 'in-flight operations were awaited');
    assert.ok(result.ops > 0);
    // The first call starts in the same synchronous step as the run, inside the warm-up.
    assert.ok(result.ops < state.calls, `${result.ops} counted of ${state.calls} calls`);
    assert.equal(result.errorCount, 0);
    assert.deepEqual(result.errors, {});
    assert.equal(decodeHistogram(result.histogram).totalCount, result.ops);
    assert.equal(result.latency.count, result.ops);
    assert.equal(result.unfinished, 0);
    assert.equal(result.aborted, false);
    assert.ok(result.elapsedMs > 0);
    assert.ok(result.throughput > 0);

    const callsAtEnd = state.calls;
    await sleep(20);
    assert.equal(state.calls, callsAtEnd, 'no operation starts after the run returned');
  });

  test('counts errors by their canonical code, others as unknown, outside the histogram', async () => {
    let n = 0;
    const op = async () => {
      n += 1;
      await sleep(1);
      if (n % 3 === 0) throw Object.assign(new Error('gone'), { code: 'not_found' });
      if (n % 5 === 0) throw new Error('plain');
    };
    const result = await runClosedLoop({ concurrency: 2, warmupMs: 0, durationMs: 120, op });
    assert.ok((result.errors.not_found ?? 0) > 0);
    assert.ok((result.errors.unknown ?? 0) > 0);
    assert.deepEqual(Object.keys(result.errors).sort(), ['not_found', 'unknown']);
    assert.equal(result.errorCount, (result.errors.not_found ?? 0) + (result.errors.unknown ?? 0));
    assert.equal(result.ops + result.errorCount, n, 'with no warm-up every call is counted');
    assert.equal(result.latency.count, result.ops);
  });

  test('an abort stops new operations and returns what was measured', async () => {
    const controller = new AbortController();
    let calls = 0;
    const op = async () => {
      calls += 1;
      if (calls === 10) controller.abort();
      await sleep(1);
    };
    const result = await runClosedLoop({
      concurrency: 2,
      warmupMs: 0,
      durationMs: 60_000,
      op,
      signal: controller.signal,
    });
    assert.equal(result.aborted, true);
    assert.ok(calls <= 11, `${calls} calls after an abort at the 10th`);
    assert.equal(result.ops, calls);
  });

  test('gives up on operations that never finish and reports them as unfinished', async () => {
    let calls = 0;
    const op = (): Promise<void> => {
      calls += 1;
      return calls <= 4 ? sleep(1) : new Promise<void>(() => {});
    };
    const result = await runClosedLoop({
      concurrency: 2,
      warmupMs: 0,
      durationMs: 50,
      op,
      drainTimeoutMs: 20,
    });
    assert.equal(result.unfinished, 2);
    assert.equal(result.ops, 4);
  });

  test('a synchronously settling operation cannot starve the event loop', async () => {
    let timerFired = false;
    setTimeout(() => {
      timerFired = true;
    }, 5);
    const result = await runClosedLoop({
      concurrency: 1,
      warmupMs: 0,
      durationMs: 50,
      op: () => Promise.resolve(),
    });
    assert.ok(result.ops > 0);
    assert.equal(timerFired, true);
  });

  test('rejects nonsense parameters', async () => {
    const op = () => Promise.resolve();
    await assert.rejects(
      runClosedLoop({ concurrency: 0, warmupMs: 0, durationMs: 10, op }),
      RangeError,
    );
    await assert.rejects(
      runClosedLoop({ concurrency: 1, warmupMs: 0, durationMs: 0, op }),
      RangeError,
    );
  });
});

// Waiting until an absolute time (performance.now() milliseconds) for the open-loop dispatcher.
// Node's timers run on a millisecond clock and fire up to ~1 ms early or late, too coarse for
// arrivals a couple of milliseconds apart; the strategies below trade precision against the
// generator CPU they burn, and the open-loop result reports how late they actually ran.

import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';

/**
 * - precise: a worker thread sleeps with Atomics.wait (sub-millisecond futex timeout, no CPU
 *   while it waits) and wakes the event loop by message `spinMs` early; the loop spins on
 *   setImmediate for that last stretch. ~0.005 ms late at the median (measured here at 500/s),
 *   at a CPU cost of about rate x spinMs (10% of a core at 500/s with 0.2 ms). The spin is skipped
 *   when arrivals are under 1 ms apart: then the loop is busy anyway and the ~0.1-0.2 ms
 *   wake-up latency of the thread hop is cheaper than a permanently spinning core.
 * - spin: setTimeout until 1.5-2.5 ms before, then setImmediate spinning: ~0.005 ms late, but it
 *   spins through that whole stretch of every gap (all the time at 500/s and above), which
 *   makes the generator look saturated to the CPU sampler.
 * - timer: setTimeout alone: almost free, ~0.7 ms late at the median, a few ms at worst.
 */
export type SchedulerKind = 'precise' | 'spin' | 'timer';
export const SCHEDULER_KINDS: readonly SchedulerKind[] = ['precise', 'spin', 'timer'];

export interface Scheduler {
  readonly kind: SchedulerKind;
  /** Resolves at or after `time` (performance.now() milliseconds), never before. */
  waitUntil(time: number): Promise<void>;
  close(): Promise<void>;
}

export interface SchedulerOptions {
  /** The gap between arrivals, to decide whether spinning is worth it (precise only). */
  intervalMs?: number;
  /** How long before the target the precise scheduler hands over to spinning (default 0.2). */
  spinMs?: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function spinUntil(time: number): Promise<void> {
  while (performance.now() < time) await yieldToLoop();
}

function createTimerScheduler(): Scheduler {
  return {
    kind: 'timer',
    async waitUntil(time) {
      // Timers measure from the loop's cached clock and can fire early, hence the loop.
      for (let left = time - performance.now(); left > 0; left = time - performance.now()) {
        await sleep(Math.ceil(left));
      }
    },
    async close() {},
  };
}

function createSpinScheduler(): Scheduler {
  const coarseMarginMs = 1.5;
  return {
    kind: 'spin',
    async waitUntil(time) {
      const left = time - performance.now();
      if (left > coarseMarginMs + 1) await sleep(Math.floor(left - coarseMarginMs));
      await spinUntil(time);
    },
    async close() {},
  };
}

// The ticker thread. Plain JavaScript evaluated in a worker (no loader needed). Shared slots:
// int32[0] = request sequence (negative: exit), int32[1] = a never-notified slot to sleep on,
// float64[1] = the wake-up time on the process.hrtime clock (shared by all threads, unlike
// performance.now(), whose origin differs per thread).
const TICKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const control = new Int32Array(workerData.buffer, 0, 2);
const times = new Float64Array(workerData.buffer, 8, 1);
const now = () => { const t = process.hrtime(); return t[0] * 1e3 + t[1] / 1e6; };
let seen = 0;
for (;;) {
  Atomics.wait(control, 0, seen);
  const seq = Atomics.load(control, 0);
  if (seq < 0) break;
  seen = seq;
  for (let left = times[0] - now(); left > 0; left = times[0] - now()) {
    Atomics.wait(control, 1, 0, left);
  }
  parentPort.postMessage(seq);
}
`;

function hrtimeMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}

function createPreciseScheduler(options: SchedulerOptions): Scheduler {
  const intervalMs = options.intervalMs ?? Number.POSITIVE_INFINITY;
  const spinMs = intervalMs < 1 ? 0 : (options.spinMs ?? 0.2);
  const buffer = new SharedArrayBuffer(16);
  const control = new Int32Array(buffer, 0, 2);
  const times = new Float64Array(buffer, 8, 1);
  // performance.now() + offset = the ticker's clock; measured once, good to a microsecond.
  const offset = hrtimeMs() - performance.now();
  const worker = new Worker(TICKER_SOURCE, { eval: true, workerData: { buffer }, execArgv: [] });
  let seq = 0;
  let pending: { seq: number; resolve: () => void } | undefined;
  worker.on('message', (done: number) => {
    if (pending && pending.seq === done) {
      const { resolve } = pending;
      pending = undefined;
      resolve();
    }
  });
  const workerGone = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', () => {
    // An unexpected ticker failure must not hang the dispatcher.
    pending?.resolve();
    pending = undefined;
  });

  return {
    kind: 'precise',
    async waitUntil(time) {
      const wake = time - spinMs;
      if (wake - performance.now() > 0.05) {
        await new Promise<void>((resolve) => {
          seq += 1;
          pending = { seq, resolve };
          times[0] = wake + offset;
          Atomics.store(control, 0, seq);
          Atomics.notify(control, 0);
        });
      }
      await spinUntil(time);
    },
    async close() {
      Atomics.store(control, 0, -1);
      Atomics.notify(control, 0);
      pending?.resolve();
      pending = undefined;
      await workerGone;
    },
  };
}

export function createScheduler(kind: SchedulerKind, options: SchedulerOptions = {}): Scheduler {
  switch (kind) {
    case 'precise':
      return createPreciseScheduler(options);
    case 'spin':
      return createSpinScheduler();
    case 'timer':
      return createTimerScheduler();
  }
}

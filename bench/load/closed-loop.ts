// Closed-loop load: `concurrency` workers each run the operation back to back, so the offered
// load follows the system's speed. Good for capacity and the throughput-versus-concurrency
// curve; its latency percentiles suffer coordinated omission (a stalled system is sampled less),
// which the open loop corrects.

import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { countError } from './error-code.ts';
import {
  createHistogram,
  encodeHistogram,
  type LatencySummary,
  recordMs,
  summarize,
} from './histogram.ts';

export interface ClosedLoopOptions {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** One operation; `worker` is 0..concurrency-1 (e.g. to pick a connection or an id range). */
  op: (worker: number) => Promise<void>;
  /** Aborting stops starting operations; the result covers what was measured so far. */
  signal?: AbortSignal | undefined;
  /** How long to wait for in-flight operations after the end (default 10 s). */
  drainTimeoutMs?: number | undefined;
}

export interface ClosedLoopResult {
  concurrency: number;
  /** Successful operations started inside the measured window. */
  ops: number;
  /** Failed operations started inside the measured window, by canonical code. */
  errors: Record<string, number>;
  errorCount: number;
  /** From the end of warm-up to the completion of the last measured operation. */
  elapsedMs: number;
  /** Successful operations per second over `elapsedMs`. */
  throughput: number;
  /** Latency of the successful measured operations. */
  latency: LatencySummary;
  /** The latency histogram (microseconds), encoded with encodeHistogram(). */
  histogram: string;
  /** Measured operations still running when the drain timeout gave up on them. */
  unfinished: number;
  aborted: boolean;
}

// A worker whose operation settles without real I/O (a cached answer, an immediate rejection)
// would never give the event loop a turn; yield now and then so other workers' I/O still runs.
const YIELD_EVERY = 256;

export async function runClosedLoop(options: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const { concurrency, warmupMs, durationMs, op, signal } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  if (!(durationMs > 0) || !(warmupMs >= 0)) {
    throw new RangeError('durationMs must be > 0 and warmupMs >= 0');
  }
  const histogram = createHistogram();
  const errors: Record<string, number> = {};
  let ops = 0;
  let errorCount = 0;
  let inFlightMeasured = 0;

  const startedAt = performance.now();
  const measureFrom = startedAt + warmupMs;
  let stopAt = measureFrom + durationMs;
  let lastCompletion = measureFrom;
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    stopAt = Math.min(stopAt, performance.now());
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });

  // An operation counts when it starts inside [measureFrom, stopAt): nothing starts after the
  // window, and those started inside it are waited for and counted even if they finish late,
  // because dropping the slowest tail would flatter the latency. elapsedMs stretches to cover
  // them, so throughput stays completions over the time they took.
  const runWorker = async (worker: number) => {
    for (let n = 1; ; n++) {
      const start = performance.now();
      if (start >= stopAt) return;
      const measured = start >= measureFrom;
      if (measured) inFlightMeasured += 1;
      let failure: unknown;
      let failed = false;
      try {
        await op(worker);
      } catch (err) {
        failed = true;
        failure = err;
      }
      const end = performance.now();
      if (measured) {
        inFlightMeasured -= 1;
        lastCompletion = Math.max(lastCompletion, end);
        if (failed) {
          errorCount += 1;
          countError(errors, failure);
        } else {
          ops += 1;
          recordMs(histogram, end - start);
        }
      }
      if (n % YIELD_EVERY === 0) await yieldToLoop();
    }
  };

  const workers = Promise.all(Array.from({ length: concurrency }, (_, i) => runWorker(i)));
  let drainTimer: NodeJS.Timeout | undefined;
  const drained = await Promise.race([
    workers.then(() => true),
    new Promise<false>((resolve) => {
      const waitMs = Math.max(0, stopAt - performance.now()) + (options.drainTimeoutMs ?? 10_000);
      drainTimer = setTimeout(() => resolve(false), waitMs);
    }),
  ]);
  clearTimeout(drainTimer);
  signal?.removeEventListener('abort', onAbort);

  const windowEnd = drained
    ? Math.max(lastCompletion, Math.min(stopAt, performance.now()))
    : performance.now();
  const elapsedMs = Math.max(0, windowEnd - measureFrom);
  return {
    concurrency,
    ops,
    errors,
    errorCount,
    elapsedMs,
    throughput: elapsedMs > 0 ? (ops * 1000) / elapsedMs : 0,
    latency: summarize(histogram),
    histogram: encodeHistogram(histogram),
    unfinished: drained ? 0 : inFlightMeasured,
    aborted,
  };
}

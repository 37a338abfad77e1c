// Open-loop load at a fixed arrival rate, coordinated-omission correct as wrk2 is: arrival i is
// due at t0 + i/rate whatever happened before, and its corrected latency runs from that intended
// time, so a stall in the system (or in the generator) shows in the percentiles instead of
// silently thinning the samples. The uncorrected latency (from the actual send) is kept beside
// it to show the difference.

import { performance } from 'node:perf_hooks';
import { countError } from './error-code.ts';
import {
  createHistogram,
  encodeHistogram,
  type LatencySummary,
  recordMs,
  summarize,
} from './histogram.ts';
import { createScheduler, type SchedulerKind } from './scheduler.ts';

export interface OpenLoopOptions {
  /** Arrivals per second. */
  rate: number;
  warmupMs: number;
  durationMs: number;
  /** One operation; `index` is the arrival number from 0 (warm-up included). */
  op: (index: number) => Promise<void>;
  /**
   * Cap on operations in flight (like wrk2's connections). Arrivals over the cap wait in a FIFO
   * queue and are sent when a slot frees; the wait counts in the corrected latency. Default: no cap.
   */
  maxInFlight?: number | undefined;
  /** How the dispatcher waits for the next arrival (see scheduler.ts); default 'precise'. */
  scheduler?: SchedulerKind | undefined;
  signal?: AbortSignal | undefined;
  /** How long to wait for queued and in-flight operations after the last arrival (default 10 s). */
  drainTimeoutMs?: number | undefined;
}

export interface OpenLoopResult {
  rate: number;
  scheduler: SchedulerKind;
  maxInFlight: number | null;
  /** Measured arrivals (intended send time inside the measured window) that were sent. */
  arrivals: number;
  /** Successful measured operations. */
  ops: number;
  errors: Record<string, number>;
  errorCount: number;
  /** From the start of the measured window to the last measured completion. */
  elapsedMs: number;
  /** Measured completions (ok or failed) per second over elapsedMs: below `rate` when the
   * system could not keep up. */
  achievedRate: number;
  /** Completion minus intended send time (successful operations). */
  corrected: LatencySummary;
  /** Completion minus actual send time (successful operations). */
  uncorrected: LatencySummary;
  histograms: { corrected: string; uncorrected: string };
  /** How late the dispatcher woke for measured arrivals (generator lateness, not the cap). */
  sendLag: { p50: number; p99: number; max: number };
  /** Most operations in flight at once, and most arrivals waiting behind maxInFlight. */
  inFlightPeak: number;
  queuedPeak: number;
  /** Measured operations not finished when the drain timeout gave up on them. */
  unfinished: number;
  aborted: boolean;
}

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const { rate, warmupMs, durationMs, op, signal } = options;
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be > 0, got ${rate}`);
  if (!(durationMs > 0) || !(warmupMs >= 0)) {
    throw new RangeError('durationMs must be > 0 and warmupMs >= 0');
  }
  const maxInFlight = options.maxInFlight ?? Number.POSITIVE_INFINITY;
  if (!(maxInFlight >= 1)) throw new RangeError(`maxInFlight must be >= 1, got ${maxInFlight}`);
  const intervalMs = 1000 / rate;
  // Arrival i is measured when its intended time falls in [warmupMs, warmupMs + durationMs).
  // Integer bounds, so that the count of arrivals is exact (up to a float epsilon).
  const firstMeasured = Math.ceil((warmupMs * rate) / 1000 - 1e-9);
  const total = Math.ceil(((warmupMs + durationMs) * rate) / 1000 - 1e-9);
  const schedulerKind = options.scheduler ?? 'precise';
  const scheduler = createScheduler(schedulerKind, { intervalMs });

  const corrected = createHistogram();
  const uncorrected = createHistogram();
  const sendLag = createHistogram();
  const errors: Record<string, number> = {};
  let ops = 0;
  let errorCount = 0;
  let inFlight = 0;
  let inFlightPeak = 0;
  let outstandingMeasured = 0;
  const queue: number[] = [];
  let queueHead = 0;
  let queuedPeak = 0;
  let aborted = false;
  let drainedResolve: (() => void) | undefined;

  const t0 = performance.now();
  const intendedAt = (i: number) => t0 + i * intervalMs;
  const measureFrom = intendedAt(firstMeasured);
  let lastCompletion = measureFrom;

  const settle = () => {
    inFlight -= 1;
    if (!aborted && queueHead < queue.length) {
      const next = queue[queueHead]!;
      queueHead += 1;
      if (queueHead === queue.length) {
        queue.length = 0;
        queueHead = 0;
      }
      send(next);
    } else if (inFlight === 0 && drainedResolve) {
      drainedResolve();
    }
  };

  const send = (i: number) => {
    inFlight += 1;
    if (inFlight > inFlightPeak) inFlightPeak = inFlight;
    const measured = i >= firstMeasured;
    const sentAt = performance.now();
    let promise: Promise<void>;
    try {
      promise = op(i);
    } catch (err) {
      promise = Promise.reject(err);
    }
    promise.then(
      () => {
        const end = performance.now();
        if (measured) {
          ops += 1;
          outstandingMeasured -= 1;
          lastCompletion = Math.max(lastCompletion, end);
          recordMs(corrected, end - intendedAt(i));
          recordMs(uncorrected, end - sentAt);
        }
        settle();
      },
      (err: unknown) => {
        if (measured) {
          errorCount += 1;
          outstandingMeasured -= 1;
          lastCompletion = Math.max(lastCompletion, performance.now());
          countError(errors, err);
        }
        settle();
      },
    );
  };

  const onAbort = () => {
    aborted = true;
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });

  let next = 0;
  try {
    while (next < total && !aborted) {
      await scheduler.waitUntil(intendedAt(next));
      const wokeAt = performance.now();
      // Everything already due goes now, late or not: the schedule never slips, the lateness
      // lands in the corrected latency and in sendLag.
      while (next < total && intendedAt(next) <= wokeAt && !aborted) {
        if (next >= firstMeasured) {
          outstandingMeasured += 1;
          recordMs(sendLag, wokeAt - intendedAt(next));
        }
        if (inFlight < maxInFlight) {
          send(next);
        } else {
          queue.push(next);
          if (queue.length - queueHead > queuedPeak) queuedPeak = queue.length - queueHead;
        }
        next += 1;
      }
    }
  } finally {
    await scheduler.close();
    signal?.removeEventListener('abort', onAbort);
  }

  let dropped = 0;
  if (aborted) {
    // Arrivals still queued behind the cap are dropped on purpose: the caller asked to stop.
    for (let q = queueHead; q < queue.length; q++) if (queue[q]! >= firstMeasured) dropped += 1;
    outstandingMeasured -= dropped;
    queue.length = 0;
    queueHead = 0;
  }
  let drainTimer: NodeJS.Timeout | undefined;
  const drained =
    inFlight === 0 ||
    (await Promise.race([
      new Promise<true>((resolve) => {
        drainedResolve = () => resolve(true);
      }),
      new Promise<false>((resolve) => {
        drainTimer = setTimeout(() => resolve(false), options.drainTimeoutMs ?? 10_000);
      }),
    ]));
  clearTimeout(drainTimer);
  drainedResolve = undefined;

  const sent = Math.max(0, next - firstMeasured) - dropped;
  const elapsedMs = Math.max(0, (drained ? lastCompletion : performance.now()) - measureFrom);
  const lag = summarize(sendLag);
  return {
    rate,
    scheduler: schedulerKind,
    maxInFlight: Number.isFinite(maxInFlight) ? maxInFlight : null,
    arrivals: sent,
    ops,
    errors,
    errorCount,
    elapsedMs,
    achievedRate: elapsedMs > 0 ? ((ops + errorCount) * 1000) / elapsedMs : 0,
    corrected: summarize(corrected),
    uncorrected: summarize(uncorrected),
    histograms: {
      corrected: encodeHistogram(corrected),
      uncorrected: encodeHistogram(uncorrected),
    },
    sendLag: { p50: lag.p50, p99: lag.p99, max: lag.max },
    inFlightPeak,
    queuedPeak,
    unfinished: drained ? 0 : Math.max(0, outstandingMeasured),
    aborted,
  };
}

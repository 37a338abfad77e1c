// Pure reductions from what the runners measured, repetition by repetition, to the figures of
// the results file: medians with their spreads, merged histograms, the side that saturated.
// No server, no clock, no I/O: tested on their own (aggregate.spec.ts).

import type { CapacityResult } from '../capacity/result.ts';
import {
  decodeHistogram,
  encodeHistogram,
  type LatencySummary,
  mergeHistograms,
  spread,
  summarize,
} from '../load/histogram.ts';
import type { OpenLoopResult } from '../load/open-loop.ts';
import type { ChatRun, ServerStreamRun } from '../scenarios/streams.ts';
import type {
  BidiFigures,
  Bottleneck,
  CapacityFigures,
  CeilingResult,
  ClosedLoopFigures,
  LatencyFigures,
  OpenLoopFigures,
  ScenarioResult,
  ServerFigures,
  StreamFigures,
} from './results.ts';

/** Latency percentiles as spreads over repetitions, with their histograms merged. */
export function latencyFigures(histograms: string[], summaries: LatencySummary[]): LatencyFigures {
  const pick = (key: keyof LatencySummary) =>
    spread(summaries.map((s) => s[key]).filter((v) => Number.isFinite(v)));
  return {
    p50: pick('p50'),
    p90: pick('p90'),
    p99: pick('p99'),
    p999: pick('p999'),
    max: pick('max'),
    histogram: encodeHistogram(mergeHistograms(histograms)),
  };
}

/**
 * The bottleneck of a series: the generator if it saturated in any repetition (the series
 * cannot be read as the server's), else the server if it did, else neither; unknown when empty.
 */
export function worstBottleneck(list: Bottleneck[]): Bottleneck {
  if (list.includes('generator')) return 'generator';
  if (list.includes('server')) return 'server';
  return list.length > 0 ? 'neither' : 'unknown';
}

/** Adds error counts by canonical code into `into`. */
export function addErrors(into: Record<string, number>, from: Record<string, number>): void {
  for (const [code, n] of Object.entries(from)) into[code] = (into[code] ?? 0) + n;
}

/** One closed-loop repetition, as the scenarios phase measured it. */
export interface ClosedLoopRep {
  throughput: number;
  summary: LatencySummary;
  histogram: string;
  errors: Record<string, number>;
  ops: number;
  /** The server's side of the window; undefined when it could not be sampled. */
  server:
    | { cpuMsPerOp: number; util: number; rssMiB: number; eld: number; queriesPerOp: number }
    | undefined;
  generatorUtil: number;
  bottleneck: Bottleneck;
}

/** The repetitions of one concurrency level reduced to its figures. */
export function closedLoopFigures(concurrency: number, reps: ClosedLoopRep[]): ClosedLoopFigures {
  const errors: Record<string, number> = {};
  for (const rep of reps) addErrors(errors, rep.errors);
  const withServer = reps.map((r) => r.server).filter((s) => s !== undefined);
  const server: ServerFigures | undefined =
    withServer.length > 0
      ? {
          cpuMsPerOp: spread(withServer.map((s) => s.cpuMsPerOp)),
          cpuUtilisation: spread(withServer.map((s) => s.util)),
          rssMiB: spread(withServer.map((s) => s.rssMiB)),
          eventLoopDelayP99Ms: spread(withServer.map((s) => s.eld).filter(Number.isFinite)),
          storeQueriesPerOp: spread(withServer.map((s) => s.queriesPerOp).filter(Number.isFinite)),
        }
      : undefined;
  return {
    concurrency,
    throughput: spread(reps.map((r) => r.throughput)),
    latency: latencyFigures(
      reps.map((r) => r.histogram),
      reps.map((r) => r.summary),
    ),
    errors,
    ops: reps.reduce((n, r) => n + r.ops, 0),
    server,
    generatorUtilisation: spread(reps.map((r) => r.generatorUtil)),
    bottleneck: worstBottleneck(reps.map((r) => r.bottleneck)),
  };
}

/** Below this fraction of its target rate an open loop did not keep its schedule. */
export const OPEN_LOOP_KEPT = 0.95;

/** The repetitions of one open loop, with the generator's CPU of each. */
export function openLoopFigures(
  rate: number,
  reps: OpenLoopResult[],
  generatorUtil: number[],
): OpenLoopFigures {
  const achieved = spread(reps.map((r) => r.achievedRate));
  const errors: Record<string, number> = {};
  for (const rep of reps) addErrors(errors, rep.errors);
  return {
    rate,
    achievedRate: achieved,
    generatorUtilisation: spread(generatorUtil),
    bottleneck: achieved.median < OPEN_LOOP_KEPT * rate ? 'generator' : 'neither',
    corrected: latencyFigures(
      reps.map((r) => r.histograms.corrected),
      reps.map((r) => r.corrected),
    ),
    uncorrected: latencyFigures(
      reps.map((r) => r.histograms.uncorrected),
      reps.map((r) => r.uncorrected),
    ),
    errors,
  };
}

/**
 * Successful responses per second over a run's window (requests over the window, as h2load and
 * wrk report it, when nothing failed): a median of per-interval samples is unstable in the
 * short windows of the quick profile. Failed responses are counted apart, never as capacity.
 */
export function okRate(run: CapacityResult): number {
  return run.requests > 0 ? (run.ok / run.requests) * run.meanThroughput : 0;
}

/** Capacity runs of one target reduced to its figures, read against a ceiling when given. */
export function capacityFromRuns(
  runs: CapacityResult[],
  ceiling: { stack: string; throughput: CapacityFigures['throughput'] } | undefined,
): CapacityFigures {
  const first = runs[0];
  if (!first) throw new Error('capacityFromRuns needs at least one run');
  return {
    generator: first.generator,
    connections: first.connections,
    streamsPerConnection: first.streams,
    throughput: spread(runs.map(okRate)),
    latency: latencyFigures(
      runs.map((r) => r.histogram),
      runs.map((r) => r.latency),
    ),
    errors: runs.reduce((n, r) => n + r.errors + r.non2xx + r.protocolErrors, 0),
    ceiling,
    ratioToCeiling: ceiling
      ? spread(runs.map((r) => okRate(r) / ceiling.throughput.median))
      : undefined,
    serverUtilisation: spread(
      runs.map((r) => r.serverCpu?.utilisation ?? Number.NaN).filter(Number.isFinite),
    ),
    generatorUtilisation: spread(runs.map((r) => r.generatorCpu.utilisation)),
    bottleneck: worstBottleneck(runs.map((r) => r.bottleneck)),
  };
}

/**
 * Capacity figures read against a ceiling measured after them: every repetition divided by the
 * ceiling's median, which is the throughput's spread divided by it.
 */
export function withCeiling(capacity: CapacityFigures, ceiling: CeilingResult): CapacityFigures {
  const c = ceiling.throughput.median;
  const t = capacity.throughput;
  return {
    ...capacity,
    ceiling: { stack: ceiling.stack, throughput: ceiling.throughput },
    ratioToCeiling: { median: t.median / c, min: t.min / c, max: t.max / c, n: t.n },
  };
}

/** The runs of a bare hello-world reduced to its ceiling. */
export function ceilingFromRuns(stack: string, runs: CapacityResult[]): CeilingResult {
  const figures = capacityFromRuns(runs, undefined);
  return {
    stack,
    generator: figures.generator,
    throughput: figures.throughput,
    latency: figures.latency,
    serverUtilisation: figures.serverUtilisation,
    generatorUtilisation: figures.generatorUtilisation,
    bottleneck: figures.bottleneck,
  };
}

export function streamFigures(runs: ServerStreamRun[]): StreamFigures {
  return {
    subscribers: runs[0]?.subscribers ?? 0,
    subscribeMs: spread(runs.flatMap((r) => r.subscribeMs)),
    firstMessageMs: spread(runs.flatMap((r) => r.firstMessageMs)),
    messagesPerSecond: spread(runs.map((r) => r.messagesPerSecond)),
    latency: latencyFigures(
      runs.map((r) => r.encodedLatency),
      runs.map((r) => summarize(decodeHistogram(r.encodedLatency))),
    ),
    delivered: runs.reduce((n, r) => n + r.delivered, 0),
    expected: runs.reduce((n, r) => n + r.expected, 0),
  };
}

export function bidiFigures(runs: ChatRun[]): BidiFigures {
  return {
    members: runs[0]?.members ?? 0,
    roundTrip: latencyFigures(
      runs.map((r) => r.encoded.roundTrip),
      runs.map((r) => summarize(decodeHistogram(r.encoded.roundTrip))),
    ),
    fanOut: latencyFigures(
      runs.map((r) => r.encoded.fanOut),
      runs.map((r) => summarize(decodeHistogram(r.encoded.fanOut))),
    ),
    messagesPerSecond: spread(runs.map((r) => r.messagesPerSecond)),
  };
}

/**
 * Half of what a variant can carry: the lower of the server's capacity (pre-encoded requests)
 * and the best closed-loop throughput of the variant's own client, which drives the open loop.
 * Half of a fast server's capacity alone can be more than a Node client sends (grpc-js served
 * GetBook at about four times what its client could send here), and a rate the client cannot
 * keep measures the client's backlog, not the server.
 */
export function defaultOpenLoopRate(result: ScenarioResult | undefined): number | undefined {
  const capacity = result?.capacity?.throughput.median;
  const client = Math.max(
    0,
    ...(result?.closedLoop ?? []).map((l) => l.throughput.median).filter(Number.isFinite),
  );
  const limits = [capacity, client > 0 ? client : undefined].filter(
    (x): x is number => x !== undefined && Number.isFinite(x) && x > 0,
  );
  if (limits.length === 0) return undefined;
  return Math.max(10, Math.round(Math.min(...limits) / 2));
}

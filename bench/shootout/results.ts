// The raw results of a shootout: one JSON document per run, versioned, with every figure's
// spread over repetitions and the HDR histograms kept (compressed base64) so that a run can be
// re-analysed, merged and compared later. Rendering is a separate step (reports/).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EvolutionResults } from '../evolution/results.ts';
import type { Environment } from './environment.ts';

/** v2 added run.phases and the level a threshold read (v1 files are upgraded on reading). */
export const RESULTS_SCHEMA = 'wirebench.results/v2';
export const RUNS_DIR = resolve(import.meta.dirname, '../../reports/runs');

/** A figure over repetitions: the median with its min and max, and how many repetitions. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** Latency percentiles (ms), each a spread over repetitions. */
export interface LatencyFigures {
  p50: Spread;
  p90: Spread;
  p99: Spread;
  p999: Spread;
  max: Spread;
  /** The repetitions' histograms merged, compressed base64 (hdr-histogram-js, microseconds). */
  histogram: string;
}

export type Bottleneck = 'server' | 'generator' | 'neither' | 'unknown';

export interface ServerFigures {
  /** Server CPU time per operation (ms), from /proc of the server process. */
  cpuMsPerOp: Spread;
  /** Server CPU utilisation during the window as a fraction of one core. */
  cpuUtilisation: Spread;
  rssMiB: Spread;
  /** Event-loop delay p99 of the server during the window (perf_hooks via prom-client). */
  eventLoopDelayP99Ms: Spread;
  storeQueriesPerOp: Spread;
}

export interface ClosedLoopFigures {
  concurrency: number;
  throughput: Spread; // operations per second
  latency: LatencyFigures;
  errors: Record<string, number>;
  ops: number;
  server: ServerFigures | undefined;
  generatorUtilisation: Spread;
  bottleneck: Bottleneck;
}

export interface OpenLoopFigures {
  rate: number;
  achievedRate: Spread;
  corrected: LatencyFigures;
  uncorrected: LatencyFigures;
  errors: Record<string, number>;
  /** The load generator's (client's) CPU during the window, as a fraction of its core. */
  generatorUtilisation: Spread;
  /**
   * 'generator' when the arrival rate was not kept (achieved below 95% of the target): the
   * client could not send on schedule, so the corrected latency includes its own backlog.
   */
  bottleneck: Bottleneck;
}

export interface CapacityFigures {
  generator: 'autocannon' | 'h2-generator';
  connections: number;
  streamsPerConnection: number;
  throughput: Spread;
  latency: LatencyFigures | undefined;
  errors: number;
  ceiling: { stack: string; throughput: Spread } | undefined;
  /** Throughput as a fraction of its own stack's hello-world ceiling, measured in the same run. */
  ratioToCeiling: Spread | undefined;
  serverUtilisation: Spread;
  generatorUtilisation: Spread;
  bottleneck: Bottleneck;
}

export interface WireLayers {
  headers: number;
  framing: number;
  body: number;
  trailers: number;
  connection: number;
  total: number;
}

export interface WireFigures {
  /** A call on a new connection (pays TCP + preface/SETTINGS where HTTP/2). */
  firstCall: { request: WireLayers; response: WireLayers; httpRequests: number };
  /** A call on a warm connection. */
  steadyState: { request: WireLayers; response: WireLayers; httpRequests: number };
}

export interface StreamFigures {
  subscribers: number;
  /** Opening a subscription until the server confirmed it (ms). */
  subscribeMs: Spread;
  /** First publish until a subscriber's first message (ms). */
  firstMessageMs: Spread;
  messagesPerSecond: Spread;
  /** Publish timestamp in the message to receipt (ms). */
  latency: LatencyFigures;
  delivered: number;
  expected: number;
}

export interface BidiFigures {
  members: number;
  roundTrip: LatencyFigures;
  fanOut: LatencyFigures;
  messagesPerSecond: Spread;
}

export interface ScenarioResult {
  variant: string;
  scenario: string;
  status: 'ok' | 'n/a' | 'error';
  /** Why n/a, or what failed. */
  reason?: string;
  closedLoop: ClosedLoopFigures[];
  openLoop: OpenLoopFigures | undefined;
  capacity: CapacityFigures | undefined;
  wire: WireFigures | undefined;
  /**
   * The same calls against a server that gzips responses of 1 KiB or more for clients that
   * accept it (`serve --compression`); requests uncompressed. grpc-js cannot compress
   * responses, so its figures equal the plain ones. Absent in runs made before it existed.
   */
  wireCompressed?: WireFigures | undefined;
  stream: StreamFigures | undefined;
  bidi: BidiFigures | undefined;
  itemsPerOp: number;
}

export interface CeilingResult {
  stack: string;
  generator: 'autocannon' | 'h2-generator';
  throughput: Spread;
  latency: LatencyFigures | undefined;
  serverUtilisation: Spread;
  generatorUtilisation: Spread;
  bottleneck: Bottleneck;
}

export interface H2loadCheck {
  target: string;
  ours: Spread;
  h2load: Spread;
  ratio: Spread;
}

export interface MicroResult {
  payload: string;
  codec: string;
  operation: 'encode' | 'decode';
  opsPerSecond: number;
  marginPercent: number;
  samples: number;
  bytes: { raw: number; gzip: number; brotli: number };
}

/** One threshold against one variant, as results.json keeps it. */
export interface ThresholdResult {
  source: string;
  variant: string;
  /** The closed-loop level the figure was read at (the verdict's); absent for streams and v1 runs. */
  concurrency?: number | undefined;
  actual: number | undefined;
  passed: boolean;
}

export interface PhaseTiming {
  name: string;
  group?: string;
  wallMs: number;
}

export interface ShootoutResults {
  schema: typeof RESULTS_SCHEMA;
  run: {
    id: string;
    startedAt: string;
    finishedAt: string;
    wallMs: number;
    profile: 'quick' | 'full';
    argv: string[];
    /**
     * Wall time of each phase of the run, in the order run (bench/shootout/run.ts PIPELINE);
     * `group` names the server group for the phases run once per group. Empty in v1 runs,
     * which did not record it.
     */
    phases: PhaseTiming[];
  };
  environment: Environment;
  parameters: {
    seed: number;
    scale: string;
    variants: string[];
    scenarios: string[];
    concurrency: number[];
    rate: number | undefined;
    durationMs: number;
    warmupMs: number;
    repeat: number;
    /**
     * Which repetitions of an open-loop series start with the discarded warm-up: v2 runs warm
     * the first only (as the closed loop always did); v1 runs warmed every one.
     */
    openLoopWarmup: 'first-repetition' | 'every-repetition';
    pinning: { server: string; load: string };
    fairness: string[];
  };
  ceilings: CeilingResult[];
  h2loadChecks: H2loadCheck[];
  results: ScenarioResult[];
  micro: MicroResult[];
  /** The schema evolution lab's results (its own schema), in runs whose profile has it. */
  evolution?: EvolutionResults;
  thresholds: ThresholdResult[];
  warnings: string[];
}

/** reports/runs/<UTC timestamp>-<short sha>: sortable by time, traceable to a revision. */
export function createRunId(now: Date, shortSha: string | undefined): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${shortSha ?? 'nogit'}`;
}

export function writeResults(results: ShootoutResults, dir = RUNS_DIR): string {
  const runDir = join(dir, results.run.id);
  mkdirSync(runDir, { recursive: true });
  const file = join(runDir, 'results.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

/** A row with nothing measured yet: phases fill its figures in. */
export function emptyScenarioResult(
  variant: string,
  scenario: string,
  itemsPerOp = 1,
): ScenarioResult {
  return {
    variant,
    scenario,
    status: 'ok',
    closedLoop: [],
    openLoop: undefined,
    capacity: undefined,
    wire: undefined,
    stream: undefined,
    bidi: undefined,
    itemsPerOp,
  };
}

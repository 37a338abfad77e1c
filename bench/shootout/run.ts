// The shootout: for each protocol implementation a fresh server process (`serve --only`),
// pinned to its own core with the load on the other; every variant it serves driven through
// every selected scenario with the shared clients (end to end), crud-read also as server-only
// capacity with pre-encoded requests beside the bare hello-world ceiling of the same stack, all
// repeated so that every figure has a spread. Raw results only: rendering is reports/' job.

import {
  type CallWire,
  createAccountedClient,
  type DirectionBytes,
} from '../../clients/accounting.ts';
import type { LibraryClient, Variant } from '../../clients/contract.ts';
import { createClient } from '../../clients/index.ts';
import { type ServerProcess, startServerProcess } from '../../clients/server-process.ts';
import { runAutocannon } from '../capacity/autocannon.ts';
import { runH2Load } from '../capacity/h2-generator.ts';
import { compareWithH2load } from '../capacity/h2load.ts';
import { buildCrudReadRequests, transportOf } from '../capacity/requests.ts';
import type { CapacityResult } from '../capacity/result.ts';
import {
  type CeilingStack,
  ceilingStackOf,
  startCeiling,
  transportOfStack,
} from '../ceilings/index.ts';
import { runClosedLoop } from '../load/closed-loop.ts';
import {
  decodeHistogram,
  encodeHistogram,
  type LatencySummary,
  mergeHistograms,
  spread,
  summarize,
} from '../load/histogram.ts';
import { runOpenLoop } from '../load/open-loop.ts';
import { describePinning, GENERATOR_CORE, pinSelf, serverWrapper } from '../load/pinning.ts';
import { classifyBottleneck, sampleProcess, sampleSelf } from '../load/process-stats.ts';
import type { Scenario } from '../scenarios/index.ts';
import { numberParam, type OperationContext, prepareOperation } from '../scenarios/operations.ts';
import { runChat, runServerStream } from '../scenarios/streams.ts';
import { captureEnvironment } from './environment.ts';
import {
  type BidiFigures,
  type Bottleneck,
  type CapacityFigures,
  type CeilingResult,
  type ClosedLoopFigures,
  createRunId,
  type H2loadCheck,
  type LatencyFigures,
  type MicroResult,
  type OpenLoopFigures,
  RESULTS_SCHEMA,
  type ScenarioResult,
  type ServerFigures,
  type ShootoutResults,
  type Spread,
  type StreamFigures,
  type WireFigures,
  type WireLayers,
} from './results.ts';
import { scrapeMetrics } from './server-metrics.ts';
import { evaluateThresholds, type Threshold, type ThresholdMetric } from './thresholds.ts';

export type ServerGroup = 'rest' | 'graphql' | 'connect' | 'grpc';

export function serverGroupOf(variant: Variant): ServerGroup {
  if (variant === 'rest' || variant === 'graphql' || variant === 'grpc') return variant;
  return 'connect';
}

export interface ShootoutOptions {
  profile: 'quick' | 'full';
  variants: Variant[];
  scenarios: Scenario[];
  concurrency: number[];
  /** True when the command line named the concurrency: it then overrides the scenarios' own. */
  concurrencyExplicit: boolean;
  /**
   * Open-loop arrival rate (ops/s) for crud-read; default: half of what the variant can carry,
   * the lower of its server-only capacity and its client's best closed-loop throughput.
   */
  rate: number | undefined;
  openLoop: boolean;
  durationMs: number;
  warmupMs: number;
  repeat: number;
  seed: number;
  scale: string;
  capacity: { enabled: boolean; h1Connections: number; h2Connections: number; h2Streams: number };
  ceilings: boolean;
  h2loadCheck: boolean;
  micro: ((log: (line: string) => void) => Promise<MicroResult[]>) | undefined;
  thresholds: Threshold[];
  argv: string[];
  onProgress?: ((event: ProgressEvent) => void) | undefined;
  log?: ((line: string) => void) | undefined;
}

export interface ProgressEvent {
  step: string;
  done: number;
  total: number;
}

const FAIRNESS = [
  'same dataset (seed, scale) on every server',
  'one fresh server process per protocol implementation (serve --only), pinned to its own core where taskset exists; load on the other core',
  'same concurrency, durations, warm-up (discarded) and repetitions for every variant',
  'every client returns the same domain data (clients/contract.spec.ts)',
  'server-only capacity uses pre-encoded requests and is read against the bare hello-world of the same stack, measured in the same run',
];

function latencyFigures(histograms: string[], summaries: LatencySummary[]): LatencyFigures {
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

function worstBottleneck(list: Bottleneck[]): Bottleneck {
  if (list.includes('generator')) return 'generator';
  if (list.includes('server')) return 'server';
  return list.length > 0 ? 'neither' : 'unknown';
}

function addErrors(into: Record<string, number>, from: Record<string, number>): void {
  for (const [code, n] of Object.entries(from)) into[code] = (into[code] ?? 0) + n;
}

function emptyResult(variant: Variant, scenario: Scenario, itemsPerOp = 1): ScenarioResult {
  return {
    variant,
    scenario: scenario.name,
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

/** Why a variant cannot run a scenario, or undefined when it can. */
export function notApplicableReason(scenario: Scenario, client: LibraryClient): string | undefined {
  const declared = scenario.notApplicable[client.variant];
  if (declared) return declared;
  const capability =
    scenario.mode === 'server-stream'
      ? client.capabilities.serverStream
      : scenario.mode === 'client-stream'
        ? client.capabilities.clientStream
        : scenario.mode === 'bidi'
          ? client.capabilities.bidi
          : client.capabilities.unary;
  return capability.supported ? undefined : capability.reason;
}

interface Context {
  options: ShootoutOptions;
  server: ServerProcess;
  metricsUrl: string | undefined;
  warnings: string[];
}

async function measureClosedLoop(
  ctx: Context,
  op: (worker: number) => Promise<void>,
  concurrency: number,
): Promise<ClosedLoopFigures> {
  const { options, server, metricsUrl } = ctx;
  const reps: {
    throughput: number;
    summary: LatencySummary;
    histogram: string;
    errors: Record<string, number>;
    ops: number;
    server:
      | { cpuMsPerOp: number; util: number; rssMiB: number; eld: number; queriesPerOp: number }
      | undefined;
    generatorUtil: number;
    bottleneck: Bottleneck;
  }[] = [];
  for (let r = 0; r < options.repeat; r++) {
    // The warm-up is a separate, discarded run on the same client, so that the samplers and
    // the metric scrapes bracket the measured window exactly.
    // Warm once per measurement series: later repetitions start warm from the one before.
    if (options.warmupMs > 0 && r === 0) {
      await runClosedLoop({ concurrency, warmupMs: 0, durationMs: options.warmupMs, op });
    }
    const before = metricsUrl ? await scrapeMetrics(metricsUrl) : undefined;
    const serverSampler = await sampleProcess(server.pid).catch(() => undefined);
    const self = sampleSelf();
    const result = await runClosedLoop({
      concurrency,
      warmupMs: 0,
      durationMs: options.durationMs,
      op,
    });
    const generator = await self.stop();
    const serverStats = await serverSampler?.stop();
    const after = metricsUrl ? await scrapeMetrics(metricsUrl) : undefined;
    const totalOps = result.ops + result.errorCount + result.unfinished;
    reps.push({
      throughput: result.throughput,
      summary: result.latency,
      histogram: result.histogram,
      errors: result.errors,
      ops: result.ops,
      generatorUtil: generator.utilisation,
      bottleneck: classifyBottleneck({
        serverUtil: serverStats?.utilisation ?? 0,
        generatorUtil: generator.utilisation,
      }),
      server:
        serverStats && totalOps > 0
          ? {
              cpuMsPerOp: (serverStats.cpuSeconds * 1_000) / totalOps,
              util: serverStats.utilisation,
              rssMiB: serverStats.peakRssBytes / 2 ** 20,
              eld: after?.eventLoopDelayP99Ms ?? Number.NaN,
              queriesPerOp:
                before && after
                  ? (after.storeQueries - before.storeQueries) / totalOps
                  : Number.NaN,
            }
          : undefined,
    });
  }
  const errors: Record<string, number> = {};
  for (const rep of reps) addErrors(errors, rep.errors);
  const withServer = reps.map((r) => r.server).filter((s) => s !== undefined);
  const serverFigures: ServerFigures | undefined =
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
    server: serverFigures,
    generatorUtilisation: spread(reps.map((r) => r.generatorUtil)),
    bottleneck: worstBottleneck(reps.map((r) => r.bottleneck)),
  };
}

async function measureOpenLoop(
  ctx: Context,
  op: (worker: number) => Promise<void>,
  rate: number,
): Promise<OpenLoopFigures> {
  const { options } = ctx;
  const reps = [];
  const generatorUtil: number[] = [];
  for (let r = 0; r < options.repeat; r++) {
    const self = sampleSelf();
    reps.push(
      await runOpenLoop({
        rate,
        warmupMs: options.warmupMs,
        durationMs: options.durationMs,
        op: (i) => op(i % 64),
        maxInFlight: 256,
      }),
    );
    generatorUtil.push((await self.stop()).utilisation);
  }
  const achieved = spread(reps.map((r) => r.achievedRate));
  const errors: Record<string, number> = {};
  for (const rep of reps) addErrors(errors, rep.errors);
  return {
    rate,
    achievedRate: achieved,
    generatorUtilisation: spread(generatorUtil),
    bottleneck: achieved.median < 0.95 * rate ? 'generator' : 'neither',
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

function capacityFromRuns(
  runs: CapacityResult[],
  ceiling: { stack: string; throughput: Spread } | undefined,
): CapacityFigures {
  const first = runs[0] as CapacityResult;
  // Successful responses over the window (requests over the window, as h2load and wrk report
  // it, when nothing failed): a median of per-interval samples is unstable in the short windows
  // of the quick profile. Failed responses are counted apart, never as capacity.
  const okRate = (r: CapacityResult) =>
    r.requests > 0 ? (r.ok / r.requests) * r.meanThroughput : 0;
  const throughput = spread(runs.map(okRate));
  return {
    generator: first.generator,
    connections: first.connections,
    streamsPerConnection: first.streams,
    throughput,
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

async function runCapacity(
  options: ShootoutOptions,
  target: { origin: string; pid: number },
  transport: 'h1' | 'h2',
  requests: Parameters<typeof runAutocannon>[0]['requests'],
): Promise<CapacityResult[]> {
  const runs: CapacityResult[] = [];
  for (let r = 0; r < options.repeat; r++) {
    runs.push(
      transport === 'h1'
        ? await runAutocannon({
            origin: target.origin,
            requests,
            connections: options.capacity.h1Connections,
            durationMs: options.durationMs,
            warmupMs: r === 0 ? options.warmupMs : 0,
            serverPid: target.pid,
            preflight: r === 0 ? 2 : 0,
          })
        : await runH2Load({
            authority: target.origin,
            requests,
            connections: options.capacity.h2Connections,
            streams: options.capacity.h2Streams,
            durationMs: options.durationMs,
            warmupMs: r === 0 ? options.warmupMs : 0,
            serverPid: target.pid,
            preflight: r === 0 ? 2 : 0,
          }),
    );
  }
  return runs;
}

function streamFigures(runs: Awaited<ReturnType<typeof runServerStream>>[]): StreamFigures {
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

function bidiFigures(runs: Awaited<ReturnType<typeof runChat>>[]): BidiFigures {
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

/** The bare hello-world of one stack, loaded by the generator its protocols use. */
async function measureCeiling(
  options: ShootoutOptions,
  stack: CeilingStack,
  wrapper: string[],
): Promise<CeilingResult> {
  const ceiling = await startCeiling(stack, { wrapper });
  try {
    const runs = await runCapacity(
      options,
      { origin: ceiling.origin, pid: ceiling.pid },
      transportOfStack(stack),
      ceiling.requests,
    );
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
  } finally {
    await ceiling.stop();
  }
}

/** Runs the whole shootout and returns its raw results (the caller writes and renders them). */
export async function runShootout(options: ShootoutOptions): Promise<ShootoutResults> {
  const started = new Date();
  const log = options.log ?? (() => {});
  const environment = captureEnvironment();
  const generatorPin = pinSelf();
  const wrapper = serverWrapper();
  const pinning = describePinning({ serverWrapper: wrapper, generator: generatorPin });
  const warnings: string[] = [];
  if (environment.git?.dirty) warnings.push('the working tree had uncommitted changes');
  if (!generatorPin.pinned)
    warnings.push(`load generator not pinned: ${generatorPin.reason ?? 'unknown'}`);

  const groups = new Map<ServerGroup, Variant[]>();
  for (const variant of options.variants) {
    const group = serverGroupOf(variant);
    groups.set(group, [...(groups.get(group) ?? []), variant]);
  }
  const capacityScenarios = options.capacity.enabled
    ? options.scenarios.filter((s) => s.capacity)
    : [];
  const total =
    options.variants.length * options.scenarios.length +
    options.variants.length * capacityScenarios.length +
    (options.ceilings ? 1 : 0);
  let done = 0;
  const progress = (step: string) => options.onProgress?.({ step, done: ++done, total });

  const results: ScenarioResult[] = [];
  const capacityRuns = new Map<Variant, CapacityResult[]>();
  let firstSeededMaxId: number | undefined;
  // Each stack's hello-world ceiling is measured right after the server group that uses it,
  // so that a protocol and its ceiling see the same machine conditions.
  const ceilings: CeilingResult[] = [];
  const ceilingByStack = new Map<CeilingStack, CeilingResult>();

  for (const [group, variants] of groups) {
    log(`starting the ${group} server`);
    const server = await startServerProcess({
      only: group,
      seed: options.seed,
      scale: options.scale,
      metrics: true,
      wrapper,
    });
    const metricsUrl = server.ports.metrics
      ? `http://127.0.0.1:${server.ports.metrics}/metrics`
      : undefined;
    const ctx: Context = { options, server, metricsUrl, warnings };
    // Capacity requests draw ids from the seeded books: the highest id of the catalog as the
    // fresh server first serves it, before any scenario has written.
    let seededMaxId: number | undefined;
    try {
      for (const variant of variants) {
        const client = createClient(variant, server.endpoints);
        try {
          const opCtx = await operationContext(client, variant, options.seed);
          seededMaxId ??= Math.max(...opCtx.bookIds);
          firstSeededMaxId ??= seededMaxId;
          for (const scenario of options.scenarios) {
            const result = await runScenario(ctx, scenario, opCtx).catch((err: unknown) => ({
              ...emptyResult(variant, scenario),
              status: 'error' as const,
              reason: err instanceof Error ? err.message : String(err),
            }));
            results.push(result);
            progress(`${variant} ${scenario.name}`);
          }
        } finally {
          await client.close();
        }
        for (const scenario of capacityScenarios) {
          const transport = transportOf(variant);
          const origin =
            transport === 'h1'
              ? server.endpoints.http
              : variant === 'grpc'
                ? `http://${server.endpoints.grpc}`
                : server.endpoints.h2;
          const requests = buildCrudReadRequests(variant, {
            maxId: seededMaxId ?? 1,
            seed: options.seed,
          });
          try {
            capacityRuns.set(
              variant,
              await runCapacity(options, { origin, pid: server.pid }, transport, requests),
            );
          } catch (err) {
            warnings.push(
              `capacity of ${variant} failed: ${err instanceof Error ? err.message : String(err)}`,
            );
          }
          progress(`${variant} ${scenario.name} capacity`);
        }
      }
    } finally {
      await server.stop();
    }
    await measureCompressedWire(options, group, variants, results, wrapper, warnings);
    if (options.ceilings) {
      const stacks = new Set(variants.filter((v) => capacityRuns.has(v)).map(ceilingStackOf));
      for (const stack of stacks) {
        if (ceilingByStack.has(stack)) continue;
        const result = await measureCeiling(options, stack, wrapper);
        ceilings.push(result);
        ceilingByStack.set(stack, result);
        log(`ceiling ${stack}: ${Math.round(result.throughput.median)} req/s`);
      }
    }
  }

  // The ceilings: the bare hello-world of every stack in play, with the generator its
  // protocols use, in the same run.
  if (options.ceilings && capacityRuns.size > 0 && !ceilingByStack.has('node-http')) {
    const result = await measureCeiling(options, 'node-http', wrapper);
    ceilings.push(result);
    ceilingByStack.set('node-http', result);
    progress('ceilings');
  }
  for (const [variant, runs] of capacityRuns) {
    const stack = ceilingStackOf(variant);
    const ceiling = ceilingByStack.get(stack);
    const figures = capacityFromRuns(
      runs,
      ceiling ? { stack, throughput: ceiling.throughput } : undefined,
    );
    const result = results.find((r) => r.variant === variant && r.scenario === 'crud-read');
    if (result) result.capacity = figures;
  }

  // Open loop: crud-read at a fixed arrival rate, half of what the variant can carry unless given.
  if (options.openLoop) {
    const crudRead = options.scenarios.find((s) => s.name === 'crud-read');
    if (crudRead) await runOpenLoops(options, crudRead, results, wrapper, warnings, log);
  }

  const h2loadChecks: H2loadCheck[] = [];
  if (options.h2loadCheck && options.variants.includes('grpc')) {
    h2loadChecks.push(await checkAgainstH2load(options, firstSeededMaxId ?? 1, wrapper, warnings));
  }

  const micro = options.micro ? await options.micro(log) : [];

  const subjects = results
    .filter((r) => r.status === 'ok')
    .map((r) => ({
      scenario: r.scenario,
      variant: r.variant,
      // At the highest concurrency measured: the heaviest load of the run, as the verdict reads.
      figure: (metric: ThresholdMetric) => {
        const loop = r.closedLoop.reduce<(typeof r.closedLoop)[number] | undefined>(
          (top, l) => (top === undefined || l.concurrency > top.concurrency ? l : top),
          undefined,
        );
        if (!loop) return undefined;
        if (metric === 'rps') return loop.throughput.median;
        if (metric === 'errors') {
          const errors = Object.values(loop.errors).reduce((a, b) => a + b, 0);
          return errors / Math.max(1, loop.ops + errors);
        }
        return loop.latency[metric].median;
      },
    }));
  const thresholds = evaluateThresholds(options.thresholds, subjects).map((o) => ({
    source: o.threshold.source,
    variant: o.variant,
    actual: o.actual,
    passed: o.passed,
  }));

  for (const r of results) {
    for (const loop of r.closedLoop) {
      if (loop.bottleneck === 'generator') {
        warnings.push(
          `${r.variant} ${r.scenario} c=${loop.concurrency}: the load generator saturated first`,
        );
      }
    }
    if (r.openLoop?.bottleneck === 'generator') {
      warnings.push(
        `${r.variant} ${r.scenario} open loop: achieved ${Math.round(r.openLoop.achievedRate.median)}/s of ${r.openLoop.rate}/s; the client could not keep the rate, so corrected latency includes its own backlog`,
      );
    }
    if (r.capacity && r.capacity.errors > 0) {
      warnings.push(
        `${r.variant} ${r.scenario} capacity: ${r.capacity.errors} failed responses, not counted in its capacity`,
      );
    }
    if (r.capacity?.bottleneck === 'generator') {
      warnings.push(
        `${r.variant} ${r.scenario} capacity: the load generator saturated first; not the server's capacity`,
      );
    }
  }

  const finished = new Date();
  return {
    schema: RESULTS_SCHEMA,
    run: {
      id: createRunId(started, environment.git?.shortSha),
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      wallMs: finished.getTime() - started.getTime(),
      profile: options.profile,
      argv: options.argv,
    },
    environment,
    parameters: {
      seed: options.seed,
      scale: options.scale,
      variants: options.variants,
      scenarios: options.scenarios.map((s) => s.name),
      concurrency: options.concurrency,
      rate: options.rate,
      durationMs: options.durationMs,
      warmupMs: options.warmupMs,
      repeat: options.repeat,
      pinning: {
        server: pinning.server === null ? 'not pinned' : `core ${pinning.server}`,
        load: pinning.generator === null ? 'not pinned' : `core ${pinning.generator}`,
      },
      fairness: FAIRNESS,
    },
    ceilings,
    h2loadChecks,
    results,
    micro,
    thresholds,
    warnings,
  };
}

function toLayers(d: DirectionBytes): WireLayers {
  return {
    headers: d.headers,
    framing: d.framing,
    body: d.body,
    trailers: d.trailers,
    connection: d.connection,
    total: d.total,
  };
}

function toWireCall(w: CallWire): WireFigures['firstCall'] {
  return {
    request: toLayers(w.request),
    response: toLayers(w.response),
    httpRequests: w.httpRequests + w.streams,
  };
}

/** The ids a scenario draws from: the books and authors the server serves right now. */
async function operationContext(
  client: LibraryClient,
  variant: Variant,
  seed: number,
): Promise<OperationContext> {
  const catalog = await client.exportCatalog();
  return {
    client,
    variant,
    bookIds: catalog.map((b) => b.id),
    authorIds: [...new Set(catalog.map((b) => b.authorId))],
    seed,
  };
}

/**
 * Bytes per operation, measured apart from the load runs (the tap is an extra hop): one call
 * on a new connection, then one on the warm connection, through an accounted client.
 */
async function measureWire(
  scenario: Scenario,
  opCtx: OperationContext,
  endpoints: ServerProcess['endpoints'],
  compression = false,
): Promise<WireFigures> {
  // settleMs: a late SETTINGS ACK of the handshake belongs to the first call, not the second.
  const accounted = await createAccountedClient(opCtx.variant, endpoints, {
    settleMs: 25,
    compression,
  });
  try {
    // Two fresh preparations draw the same ids, so both calls send the same request and
    // differ only in what the connection has already paid for.
    const first = prepareOperation(scenario, { ...opCtx, client: accounted.client });
    const again = prepareOperation(scenario, { ...opCtx, client: accounted.client });
    const firstCall = await accounted.measure(() => first.op(0));
    const secondCall = await accounted.measure(() => again.op(0));
    return { firstCall: toWireCall(firstCall.wire), steadyState: toWireCall(secondCall.wire) };
  } finally {
    await accounted.close();
  }
}

/**
 * The same bytes pass against a second server of the group started with `serve --compression`
 * (gzip for responses of 1 KiB or more, when the client accepts it), for every unary scenario
 * whose plain bytes were measured. A separate process, so that the load runs never meet a
 * compressing server. Requests stay uncompressed.
 */
async function measureCompressedWire(
  options: ShootoutOptions,
  group: ServerGroup,
  variants: Variant[],
  results: ScenarioResult[],
  wrapper: string[],
  warnings: string[],
): Promise<void> {
  const wanted = results.filter((r) => variants.includes(r.variant as Variant) && r.wire);
  if (wanted.length === 0) return;
  const server = await startServerProcess({
    only: group,
    seed: options.seed,
    scale: options.scale,
    compression: true,
    wrapper,
  });
  try {
    for (const variant of variants) {
      const client = createClient(variant, server.endpoints);
      try {
        const opCtx = await operationContext(client, variant, options.seed);
        for (const result of wanted.filter((r) => r.variant === variant)) {
          const scenario = options.scenarios.find((s) => s.name === result.scenario);
          if (!scenario) continue;
          try {
            result.wireCompressed = await measureWire(scenario, opCtx, server.endpoints, true);
          } catch (err) {
            warnings.push(
              `${variant} ${scenario.name}: compressed bytes not measured (${err instanceof Error ? err.message : String(err)})`,
            );
          }
        }
      } finally {
        await client.close();
      }
    }
  } finally {
    await server.stop();
  }
}

async function runScenario(
  ctx: Context,
  scenario: Scenario,
  opCtx: OperationContext,
): Promise<ScenarioResult> {
  const { client, variant } = opCtx;
  const reason = notApplicableReason(scenario, client);
  if (reason) return { ...emptyResult(variant, scenario), status: 'n/a', reason };
  const { options } = ctx;
  if (scenario.operation === 'watchReviews') {
    const runs = [];
    for (let r = 0; r < options.repeat; r++) {
      runs.push(
        await runServerStream({
          client,
          subscribers: numberParam(scenario.params, 'subscribers', 10),
          publishRate: numberParam(scenario.params, 'publishRate', 200),
          durationMs: options.durationMs,
          bookIds: opCtx.bookIds,
        }),
      );
    }
    return { ...emptyResult(variant, scenario), stream: streamFigures(runs) };
  }
  if (scenario.operation === 'chat') {
    const runs = [];
    for (let r = 0; r < options.repeat; r++) {
      runs.push(
        await runChat({
          client,
          room: `bench-${variant}-${r}`,
          members: numberParam(scenario.params, 'members', 5),
          messages: numberParam(scenario.params, 'messages', 100),
        }),
      );
    }
    return { ...emptyResult(variant, scenario), bidi: bidiFigures(runs) };
  }
  const prepared = prepareOperation(scenario, opCtx);
  const result = emptyResult(variant, scenario, prepared.itemsPerOp);
  const levels = options.concurrencyExplicit
    ? options.concurrency
    : (scenario.concurrency ?? options.concurrency);
  for (const concurrency of levels) {
    result.closedLoop.push(await measureClosedLoop(ctx, prepared.op, concurrency));
  }
  try {
    result.wire = await measureWire(scenario, opCtx, ctx.server.endpoints);
  } catch (err) {
    ctx.warnings.push(
      `${variant} ${scenario.name}: bytes per operation not measured (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  return result;
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

async function runOpenLoops(
  options: ShootoutOptions,
  crudRead: Scenario,
  results: ScenarioResult[],
  wrapper: string[],
  warnings: string[],
  log: (line: string) => void,
): Promise<void> {
  const byGroup = new Map<ServerGroup, Variant[]>();
  for (const variant of options.variants) {
    byGroup.set(serverGroupOf(variant), [...(byGroup.get(serverGroupOf(variant)) ?? []), variant]);
  }
  for (const [group, variants] of byGroup) {
    const server = await startServerProcess({
      only: group,
      seed: options.seed,
      scale: options.scale,
      wrapper,
    });
    try {
      for (const variant of variants) {
        const result = results.find((r) => r.variant === variant && r.scenario === 'crud-read');
        const rate = options.rate ?? defaultOpenLoopRate(result);
        if (!result || result.status !== 'ok' || rate === undefined) continue;
        const client = createClient(variant, server.endpoints);
        try {
          const prepared = prepareOperation(
            crudRead,
            await operationContext(client, variant, options.seed),
          );
          log(`open loop ${variant} at ${rate}/s`);
          result.openLoop = await measureOpenLoop(
            { options, server, metricsUrl: undefined, warnings },
            prepared.op,
            rate,
          );
        } finally {
          await client.close();
        }
      }
    } finally {
      await server.stop();
    }
  }
}

async function checkAgainstH2load(
  options: ShootoutOptions,
  maxId: number,
  wrapper: string[],
  warnings: string[],
): Promise<H2loadCheck> {
  const server = await startServerProcess({
    only: 'grpc',
    seed: options.seed,
    scale: options.scale,
    wrapper,
  });
  try {
    const [spec] = buildCrudReadRequests('grpc', {
      maxId,
      seed: options.seed,
      count: 1,
    });
    const comparison = await compareWithH2load({
      authority: `http://${server.endpoints.grpc}`,
      spec: spec!,
      connections: options.capacity.h2Connections,
      streams: options.capacity.h2Streams,
      durationMs: options.durationMs,
      warmupMs: options.warmupMs,
      serverPid: server.pid,
      reps: options.repeat,
      wrapper: serverWrapper(GENERATOR_CORE),
    });
    if (comparison.ratio.median < 0.9) {
      warnings.push(
        `the HTTP/2 generator reached ${(comparison.ratio.median * 100).toFixed(0)}% of h2load on the grpc-js server`,
      );
    }
    return {
      target: 'grpc-js GetBook',
      ours: comparison.oursThroughput,
      h2load: comparison.h2loadThroughput,
      ratio: comparison.ratio,
    };
  } finally {
    await server.stop();
  }
}

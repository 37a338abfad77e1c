// Every variant of the group through every selected scenario with the shared clients, end to
// end: closed loops at each concurrency level (server CPU, RSS, event-loop delay and store
// queries bracketing each measured window), server streams and chat with their own runners.

import type { LibraryClient, Variant } from '../../../clients/contract.ts';
import { createClient } from '../../../clients/index.ts';
import { runClosedLoop } from '../../load/closed-loop.ts';
import { classifyBottleneck, sampleProcess, sampleSelf } from '../../load/process-stats.ts';
import type { Scenario } from '../../scenarios/index.ts';
import {
  numberParam,
  type OperationContext,
  prepareOperation,
} from '../../scenarios/operations.ts';
import { runChat, runServerStream } from '../../scenarios/streams.ts';
import { writesData } from '../../scenarios/vocabulary.ts';
import { bidiFigures, type ClosedLoopRep, closedLoopFigures, streamFigures } from '../aggregate.ts';
import {
  type Catalog,
  errorText,
  type RunContext,
  type ServerPhase,
  type StartedGroup,
} from '../context.ts';
import { type ClosedLoopFigures, emptyScenarioResult, type ScenarioResult } from '../results.ts';
import { scrapeMetrics } from '../server-metrics.ts';

export function emptyResult(variant: Variant, scenario: Scenario, itemsPerOp = 1): ScenarioResult {
  return emptyScenarioResult(variant, scenario.name, itemsPerOp);
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

/** What a scenario's operation draws from: the group's seeded catalog, the run's seed. */
export function operationContext(
  client: LibraryClient,
  variant: Variant,
  catalog: Catalog,
  seed: number,
): OperationContext {
  return { client, variant, bookIds: catalog.bookIds, authorIds: catalog.authorIds, seed };
}

async function measureClosedLoop(
  ctx: RunContext,
  group: StartedGroup,
  op: (worker: number) => Promise<void>,
  concurrency: number,
): Promise<ClosedLoopFigures> {
  const { options } = ctx;
  const { server, metricsUrl } = group;
  const reps: ClosedLoopRep[] = [];
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
  return closedLoopFigures(concurrency, reps);
}

async function runScenario(
  ctx: RunContext,
  group: StartedGroup,
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
    result.closedLoop.push(await measureClosedLoop(ctx, group, prepared.op, concurrency));
  }
  return result;
}

export const scenariosPhase: ServerPhase = {
  name: 'scenarios',
  scope: 'server',
  // Store queries and event-loop delay per window come from the server's metrics endpoint.
  server: { metrics: true },
  applies: (ctx) => ctx.options.scenarios.length > 0,
  steps: (options, group) => group.variants.length * options.scenarios.length,
  async run(ctx, group) {
    const results: ScenarioResult[] = [];
    // Every variant reads the seeded dataset: its read-only scenarios first, then those that
    // write, and a fresh server for whatever follows a variant that wrote (the next variant,
    // the bytes and capacity phases). Otherwise a variant would read what the ones before it
    // wrote, as much as they managed to write.
    const ordered = [
      ...ctx.options.scenarios.filter((s) => !writesData(s.operation)),
      ...ctx.options.scenarios.filter((s) => writesData(s.operation)),
    ];
    const wrote = ordered.some((s) => writesData(s.operation));
    for (const variant of group.variants) {
      if (wrote && variant !== group.variants[0]) await group.restart();
      const client = createClient(variant, group.server.endpoints);
      try {
        const opCtx = operationContext(client, variant, group.catalog, ctx.options.seed);
        for (const scenario of ordered) {
          const result = await runScenario(ctx, group, scenario, opCtx).catch(
            (err: unknown): ScenarioResult => ({
              ...emptyResult(variant, scenario),
              status: 'error',
              reason: errorText(err),
            }),
          );
          results.push(result);
          ctx.progress(`${variant} ${scenario.name}`);
        }
      } finally {
        await client.close();
      }
    }
    if (wrote) await group.restart();
    return { results };
  },
};

// The shootout: options in, the phases below run in order, one raw result out. Each protocol
// implementation gets fresh server processes (`serve --only`), pinned to their own core with the
// load on the other; every figure is repeated so that it has a spread. Rendering and verdicts
// (thresholds, warnings read from figures) are reports/' job, never this one's.

import type { WireSample } from '../../clients/inspect/index.ts';
import { describePinning, pinSelf, serverWrapper } from '../load/pinning.ts';
import type { ShootoutOptions } from './context.ts';
import { captureEnvironment } from './environment.ts';
import { bytesPhase } from './phases/bytes.ts';
import { bytesGzipPhase } from './phases/bytes-gzip.ts';
import { capacityPhase } from './phases/capacity.ts';
import { baseCeilingPhase, ceilingsPhase } from './phases/ceilings.ts';
import { evolutionPhase } from './phases/evolution.ts';
import { h2loadCheckPhase } from './phases/h2load-check.ts';
import { microPhase } from './phases/micro.ts';
import { openLoopPhase } from './phases/open-loop.ts';
import { scenariosPhase } from './phases/scenarios.ts';
import { wireSamplePhase } from './phases/wire-sample.ts';
import { forEachGroup, onServer, runPipeline, type Stage } from './pipeline.ts';
import { createRunId, RESULTS_SCHEMA, type ShootoutResults } from './results.ts';

export type { ProgressEvent, ShootoutOptions } from './context.ts';

/**
 * In order. Per server group: the load and the plain bytes on one server with metrics, the gzip
 * bytes on a compressing one, then the ceilings of the group's stacks. Open loop after every
 * capacity (its default rate reads it), on fresh servers again.
 */
export const PIPELINE: readonly Stage[] = [
  forEachGroup(
    onServer(scenariosPhase, bytesPhase, capacityPhase, wireSamplePhase),
    onServer(bytesGzipPhase),
    ceilingsPhase,
  ),
  baseCeilingPhase,
  forEachGroup(onServer(openLoopPhase)),
  h2loadCheckPhase,
  microPhase,
  evolutionPhase,
];

const FAIRNESS = [
  'same dataset (seed, scale) on every server',
  'one fresh server process per protocol implementation (serve --only), pinned to its own core where taskset exists; load on the other core',
  'same concurrency, durations, warm-up (discarded) and repetitions for every variant',
  'every client returns the same domain data (clients/contract.spec.ts)',
  "every variant reads the seeded dataset: read-only scenarios first, and a fresh server after a variant's scenarios that write",
  'server-only capacity uses pre-encoded requests and is read against the bare hello-world of the same stack, measured in the same run',
];

/** What a run produces: the raw results, and GetBook on the wire to keep beside them. */
export interface ShootoutOutput {
  results: ShootoutResults;
  /** For wire-sample.json beside results.json; undefined unless options.wireSample. */
  wireSample: WireSample | undefined;
}

/** Runs the whole shootout and returns its raw results (the caller writes and renders them). */
export async function runShootout(
  options: ShootoutOptions,
  pipeline: readonly Stage[] = PIPELINE,
): Promise<ShootoutResults> {
  return (await runShootoutPipeline(options, pipeline)).results;
}

/** Runs the whole shootout; returns its results and its wire sample. */
export async function runShootoutPipeline(
  options: ShootoutOptions,
  pipeline: readonly Stage[] = PIPELINE,
): Promise<ShootoutOutput> {
  const started = new Date();
  const environment = captureEnvironment();
  const generatorPin = pinSelf();
  const wrapper = serverWrapper();
  const pinning = describePinning({ serverWrapper: wrapper, generator: generatorPin });
  const warnings: string[] = [];
  if (environment.git?.dirty) warnings.push('the working tree had uncommitted changes');
  if (!generatorPin.pinned)
    warnings.push(`load generator not pinned: ${generatorPin.reason ?? 'unknown'}`);

  const collected = await runPipeline({ options, wrapper }, pipeline);

  const finished = new Date();
  const results: ShootoutResults = {
    schema: RESULTS_SCHEMA,
    run: {
      id: createRunId(started, environment.git?.shortSha),
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      wallMs: finished.getTime() - started.getTime(),
      profile: options.profile,
      argv: options.argv,
      phases: collected.phases,
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
      openLoopWarmup: 'first-repetition',
      pinning: {
        server: pinning.server === null ? 'not pinned' : `core ${pinning.server}`,
        load: pinning.generator === null ? 'not pinned' : `core ${pinning.generator}`,
      },
      fairness: FAIRNESS,
    },
    ceilings: collected.ceilings,
    h2loadChecks: collected.h2loadChecks,
    results: collected.results,
    micro: collected.micro,
    ...(collected.evolution ? { evolution: collected.evolution } : {}),
    // Evaluated by the analysis module from these results, not here.
    thresholds: [],
    warnings: [...warnings, ...collected.warnings],
  };
  return { results, wireSample: collected.wireSample };
}

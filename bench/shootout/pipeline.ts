// Runs a list of phases in order and merges what each returns into one result. Phases that load
// a server run inside `onServer` (one fresh server process per group for the stage, always
// stopped), phases per group inside `forEachGroup`; every phase's wall time is recorded, and a
// phase that throws becomes a warning, not the end of a half-hour run.

import type { Variant } from '../../clients/contract.ts';
import { groupByServer } from '../../clients/variants.ts';
import type {
  Collected,
  GroupPhase,
  GroupRef,
  PhaseOutput,
  RunContext,
  RunPhase,
  ServerPhase,
  ServerSettings,
  ShootoutOptions,
} from './context.ts';
import { errorText } from './context.ts';
import { withServerGroup } from './server-group.ts';

/** Phases against one server per group, started once for all of them. */
export interface ServerStage {
  scope: 'server-stage';
  settings: ServerSettings;
  phases: ServerPhase[];
}

/** Stages run group by group: all of them for the first group, then for the next. */
export interface GroupsStage {
  scope: 'groups';
  stages: (GroupPhase | ServerStage)[];
}

export type Stage = RunPhase | GroupsStage;

const SETTINGS: (keyof ServerSettings)[] = ['metrics', 'compression'];

/** Phases sharing one server per group; they must all need the server started the same way. */
export function onServer(...phases: ServerPhase[]): ServerStage {
  const [first] = phases;
  if (!first) throw new Error('onServer needs at least one phase');
  for (const phase of phases) {
    const differs = SETTINGS.find((key) => !!phase.server[key] !== !!first.server[key]);
    if (differs) {
      throw new Error(
        `phases ${first.name} and ${phase.name} need different servers (${differs}); give each its own onServer`,
      );
    }
  }
  return { scope: 'server-stage', settings: first.server, phases };
}

export function forEachGroup(...stages: (GroupPhase | ServerStage)[]): GroupsStage {
  return { scope: 'groups', stages };
}

/** The run's server groups in table order, each with the selected variants it serves. */
export function groupsOf(variants: readonly Variant[]): GroupRef[] {
  return [...groupByServer(variants)].map(([name, list]) => ({ name, variants: list }));
}

export function emptyCollected(): Collected {
  return {
    results: [],
    ceilings: [],
    h2loadChecks: [],
    micro: [],
    evolution: undefined,
    wireSample: undefined,
    warnings: [],
    phases: [],
  };
}

/** Adds a phase's part to the run's result; a patch for a row nobody created is dropped. */
export function mergeOutput(into: Collected, output: PhaseOutput): void {
  into.results.push(...(output.results ?? []));
  for (const patch of output.patches ?? []) {
    const row = into.results.find(
      (r) => r.variant === patch.variant && r.scenario === patch.scenario,
    );
    if (row) Object.assign(row, patch);
  }
  into.ceilings.push(...(output.ceilings ?? []));
  into.h2loadChecks.push(...(output.h2loadChecks ?? []));
  into.micro.push(...(output.micro ?? []));
  if (output.evolution) into.evolution = output.evolution;
  if (output.wireSample) {
    into.wireSample = into.wireSample
      ? {
          ...into.wireSample,
          variants: [...into.wireSample.variants, ...output.wireSample.variants],
        }
      : output.wireSample;
  }
  into.warnings.push(...(output.warnings ?? []));
}

/** Progress steps the pipeline's phases declare, for the bar's total. */
function countSteps(
  pipeline: readonly Stage[],
  options: ShootoutOptions,
  groups: GroupRef[],
): number {
  let total = 0;
  for (const stage of pipeline) {
    if (stage.scope === 'run') {
      total += stage.steps?.(options) ?? 0;
      continue;
    }
    for (const group of groups) {
      for (const inner of stage.stages) {
        const phases = inner.scope === 'server-stage' ? inner.phases : [inner];
        for (const phase of phases) total += phase.steps?.(options, group) ?? 0;
      }
    }
  }
  return total;
}

export interface PipelineSetup {
  options: ShootoutOptions;
  wrapper: string[];
}

/** Runs the pipeline's phases in order; returns what they returned, merged, with their times. */
export async function runPipeline(
  setup: PipelineSetup,
  pipeline: readonly Stage[],
): Promise<Collected> {
  const { options } = setup;
  const log = options.log ?? (() => {});
  const groups = groupsOf(options.variants);
  const total = countSteps(pipeline, options, groups);
  let done = 0;
  const collected = emptyCollected();
  const ctx: RunContext = {
    options,
    wrapper: setup.wrapper,
    log,
    progress: (step) => options.onProgress?.({ step, done: ++done, total }),
    sofar: collected,
  };

  const timed = async (
    name: string,
    group: string | undefined,
    run: () => Promise<PhaseOutput>,
  ) => {
    const started = performance.now();
    let output: PhaseOutput;
    try {
      output = await run();
    } catch (err) {
      output = { warnings: [`${name}${group ? ` (${group})` : ''} failed: ${errorText(err)}`] };
    }
    const wallMs = Math.round(performance.now() - started);
    collected.phases.push(group === undefined ? { name, wallMs } : { name, group, wallMs });
    mergeOutput(collected, output);
  };

  const runServerStage = async (stage: ServerStage, group: GroupRef) => {
    if (!stage.phases.some((p) => p.applies?.(ctx, group) ?? true)) return;
    log(`starting the ${group.name} server${stage.settings.compression ? ' (compression)' : ''}`);
    try {
      await withServerGroup(ctx, group, stage.settings, async (started) => {
        for (const phase of stage.phases) {
          // Asked again right before it runs: the phases before it in the stage may decide it.
          if (!(phase.applies?.(ctx, group) ?? true)) continue;
          await timed(phase.name, group.name, () => phase.run(ctx, started));
        }
      });
    } catch (err) {
      collected.warnings.push(`the ${group.name} server failed: ${errorText(err)}`);
    }
  };

  for (const stage of pipeline) {
    if (stage.scope === 'run') {
      if (stage.applies?.(ctx) ?? true) await timed(stage.name, undefined, () => stage.run(ctx));
      continue;
    }
    for (const group of groups) {
      for (const inner of stage.stages) {
        if (inner.scope === 'server-stage') await runServerStage(inner, group);
        else if (inner.applies?.(ctx, group) ?? true) {
          await timed(inner.name, group.name, () => inner.run(ctx, group));
        }
      }
    }
  }
  return collected;
}

// crud-read at a fixed arrival rate, corrected for coordinated omission, on a fresh server per
// group. After capacity, because the default rate is half of what the variant carries: the
// lower of its server's capacity and its client's best closed-loop throughput.

import { createClient } from '../../../clients/index.ts';
import { runOpenLoop } from '../../load/open-loop.ts';
import { sampleSelf } from '../../load/process-stats.ts';
import { prepareOperation } from '../../scenarios/operations.ts';
import { defaultOpenLoopRate, openLoopFigures } from '../aggregate.ts';
import {
  type GroupRef,
  type RunContext,
  rowOf,
  type ScenarioPatch,
  type ServerPhase,
} from '../context.ts';
import type { OpenLoopFigures } from '../results.ts';
import { operationContext } from './scenarios.ts';

const SCENARIO = 'crud-read';
/** Workers the arrivals are spread over (stateful operations keep one state per worker). */
const WORKERS = 64;
/** Operations in flight at most, like wrk2's connections; later arrivals queue (and count). */
const MAX_IN_FLIGHT = 256;

async function measureOpenLoop(
  ctx: RunContext,
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
        // Warm once per series, as the closed loop does: a later repetition's first arrivals
        // meet a server the one before left warm.
        warmupMs: r === 0 ? options.warmupMs : 0,
        durationMs: options.durationMs,
        op: (i) => op(i % WORKERS),
        maxInFlight: MAX_IN_FLIGHT,
      }),
    );
    generatorUtil.push((await self.stop()).utilisation);
  }
  return openLoopFigures(rate, reps, generatorUtil);
}

/** The variants of the group to load, each at its rate. */
function targets(ctx: RunContext, group: GroupRef) {
  return group.variants.flatMap((variant) => {
    const row = rowOf(ctx, variant, SCENARIO);
    const rate = ctx.options.rate ?? defaultOpenLoopRate(row);
    return row?.status === 'ok' && rate !== undefined ? [{ variant, rate }] : [];
  });
}

export const openLoopPhase: ServerPhase = {
  name: 'open-loop',
  scope: 'server',
  server: {},
  applies: (ctx, group) =>
    ctx.options.openLoop &&
    ctx.options.scenarios.some((s) => s.name === SCENARIO) &&
    targets(ctx, group).length > 0,
  async run(ctx, group) {
    const scenario = ctx.options.scenarios.find((s) => s.name === SCENARIO);
    if (!scenario) return {};
    const patches: ScenarioPatch[] = [];
    for (const { variant, rate } of targets(ctx, group)) {
      const client = createClient(variant, group.server.endpoints);
      try {
        const prepared = prepareOperation(
          scenario,
          operationContext(client, variant, group.catalog, ctx.options.seed),
        );
        ctx.log(`open loop ${variant} at ${rate}/s`);
        patches.push({
          variant,
          scenario: SCENARIO,
          openLoop: await measureOpenLoop(ctx, prepared.op, rate),
        });
      } finally {
        await client.close();
      }
    }
    return { patches };
  },
};

// The bare hello-world of each stack in play, loaded by the generator its protocols use, in the
// same run: each stack right after the server group whose variants stand beside it (so that a
// protocol and its ceiling see the same machine conditions), bare node:http once at the end.

import type { Variant } from '../../../clients/contract.ts';
import {
  type CeilingStack,
  describeVariant,
  transportOfCeiling,
} from '../../../clients/variants.ts';
import { runCapacity } from '../../capacity/run-capacity.ts';
import { startCeiling } from '../../ceilings/index.ts';
import { ceilingFromRuns, withCeiling } from '../aggregate.ts';
import {
  type GroupPhase,
  type GroupRef,
  type RunContext,
  type RunPhase,
  rowsOf,
  type ScenarioPatch,
} from '../context.ts';
import type { CeilingResult } from '../results.ts';
import { capacitySettings } from './capacity.ts';

/** One stack's hello-world in a child process of its own, pinned like the servers. */
async function measureCeiling(ctx: RunContext, stack: CeilingStack): Promise<CeilingResult> {
  const ceiling = await startCeiling(stack, { wrapper: ctx.wrapper });
  try {
    const runs = await runCapacity(
      { origin: ceiling.origin, pid: ceiling.pid },
      transportOfCeiling(stack),
      ceiling.requests,
      capacitySettings(ctx),
    );
    return ceilingFromRuns(stack, runs);
  } finally {
    await ceiling.stop();
  }
}

/** The stacks of the group's variants that have a capacity figure and no ceiling yet. */
function stacksToMeasure(ctx: RunContext, group: GroupRef): CeilingStack[] {
  const measured = new Set(ctx.sofar.ceilings.map((c) => c.stack));
  const stacks = rowsOf(ctx, group)
    .filter((row) => row.capacity !== undefined)
    .map((row) => describeVariant(row.variant as Variant).ceiling);
  return [...new Set(stacks)].filter((stack) => !measured.has(stack));
}

export const ceilingsPhase: GroupPhase = {
  name: 'ceilings',
  scope: 'group',
  applies: (ctx, group) => ctx.options.ceilings && stacksToMeasure(ctx, group).length > 0,
  async run(ctx, group) {
    const ceilings: CeilingResult[] = [];
    for (const stack of stacksToMeasure(ctx, group)) {
      const result = await measureCeiling(ctx, stack);
      ceilings.push(result);
      ctx.log(`ceiling ${stack}: ${Math.round(result.throughput.median)} req/s`);
    }
    // Every capacity figure of the group read against its own stack's ceiling.
    const patches: ScenarioPatch[] = [];
    for (const row of rowsOf(ctx, group)) {
      const stack = describeVariant(row.variant as Variant).ceiling;
      const ceiling = ceilings.find((c) => c.stack === stack);
      if (row.capacity && ceiling) {
        patches.push({
          variant: row.variant,
          scenario: row.scenario,
          capacity: withCeiling(row.capacity, ceiling),
        });
      }
    }
    return { ceilings, patches };
  },
};

/** Bare node:http: the ceiling of every stack, beside which every framework's own cost shows. */
export const baseCeilingPhase: RunPhase = {
  name: 'base-ceiling',
  scope: 'run',
  applies: (ctx) =>
    ctx.options.ceilings &&
    ctx.sofar.results.some((r) => r.capacity !== undefined) &&
    !ctx.sofar.ceilings.some((c) => c.stack === 'node-http'),
  steps: (options) => (options.ceilings ? 1 : 0),
  async run(ctx) {
    const result = await measureCeiling(ctx, 'node-http');
    ctx.progress('ceilings');
    return { ceilings: [result] };
  },
};

// Server-only capacity of every scenario that asks for it (`"capacity": true`): the requests of
// its operation pre-encoded per variant (bench/capacity/requests.ts), ids drawn from the
// group's seeded catalog, loaded by the generator of the variant's transport. The ceiling it is
// read against comes later (ceilings.ts), right after the group's servers are gone.

import { describeVariant, originOf } from '../../../clients/variants.ts';
import { buildCapacityRequests } from '../../capacity/requests.ts';
import { runCapacity } from '../../capacity/run-capacity.ts';
import type { Scenario } from '../../scenarios/index.ts';
import { capacityFromRuns } from '../aggregate.ts';
import {
  errorText,
  type RunContext,
  rowOf,
  type ScenarioPatch,
  type ServerPhase,
  type ShootoutOptions,
} from '../context.ts';

export function capacityScenarios(options: ShootoutOptions): Scenario[] {
  return options.capacity.enabled ? options.scenarios.filter((s) => s.capacity) : [];
}

/** The generator settings of the run: its repetitions and windows, its connections. */
export function capacitySettings(ctx: RunContext) {
  const { options } = ctx;
  return {
    ...options.capacity,
    repeat: options.repeat,
    durationMs: options.durationMs,
    warmupMs: options.warmupMs,
  };
}

export const capacityPhase: ServerPhase = {
  name: 'capacity',
  scope: 'server',
  // The server the scenarios loaded: its catalog is the seeded one, as the requests assume.
  server: { metrics: true },
  applies: (ctx) => capacityScenarios(ctx.options).length > 0,
  steps: (options, group) => group.variants.length * capacityScenarios(options).length,
  async run(ctx, group) {
    const patches: ScenarioPatch[] = [];
    const warnings: string[] = [];
    const { server, catalog } = group;
    for (const variant of group.variants) {
      for (const scenario of capacityScenarios(ctx.options)) {
        if (rowOf(ctx, variant, scenario.name)?.status === 'n/a') continue;
        try {
          const requests = buildCapacityRequests(variant, scenario, {
            maxId: catalog.maxId,
            seed: ctx.options.seed,
          });
          const runs = await runCapacity(
            { origin: originOf(variant, server.endpoints), pid: server.pid },
            describeVariant(variant).transport,
            requests,
            capacitySettings(ctx),
          );
          patches.push({
            variant,
            scenario: scenario.name,
            capacity: capacityFromRuns(runs, undefined),
          });
        } catch (err) {
          warnings.push(`capacity of ${variant} ${scenario.name} failed: ${errorText(err)}`);
        }
        ctx.progress(`${variant} ${scenario.name} capacity`);
      }
    }
    return { patches, warnings };
  },
};

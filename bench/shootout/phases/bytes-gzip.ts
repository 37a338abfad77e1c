// The bytes pass again, against a second server of the group started with `serve --compression`
// (gzip for responses of 1 KiB or more, when the client accepts it), for every scenario whose
// plain bytes were measured. A separate process, so that the load runs never meet a compressing
// server. Requests stay uncompressed.

import type { Variant } from '../../../clients/contract.ts';
import {
  errorText,
  type GroupRef,
  type RunContext,
  rowsOf,
  type ScenarioPatch,
  type ServerPhase,
} from '../context.ts';
import { measureWire } from './bytes.ts';

function measuredRows(ctx: RunContext, group: GroupRef) {
  return rowsOf(ctx, group).filter((row) => row.wire !== undefined);
}

export const bytesGzipPhase: ServerPhase = {
  name: 'bytes-gzip',
  scope: 'server',
  server: { compression: true },
  applies: (ctx, group) => measuredRows(ctx, group).length > 0,
  async run(ctx, group) {
    const patches: ScenarioPatch[] = [];
    const warnings: string[] = [];
    for (const row of measuredRows(ctx, group)) {
      const variant = row.variant as Variant;
      const scenario = ctx.options.scenarios.find((s) => s.name === row.scenario);
      if (!scenario) continue;
      try {
        const wireCompressed = await measureWire(
          scenario,
          variant,
          group.catalog,
          ctx.options.seed,
          group.server.endpoints,
          true,
        );
        patches.push({ variant, scenario: scenario.name, wireCompressed });
      } catch (err) {
        warnings.push(
          `${variant} ${scenario.name}: compressed bytes not measured (${errorText(err)})`,
        );
      }
    }
    return { patches, warnings };
  },
};

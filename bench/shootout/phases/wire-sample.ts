// GetBook as it crossed the wire for every variant of the group, captured against the group's
// own measured server after its load (a first call on a new connection, a second on the warm
// one, decoded): the sample the report shows side by side, kept beside results.json by the CLI.

import { compareVariants, OPERATIONS, toWireSample } from '../../../clients/inspect/index.ts';
import type { ServerPhase } from '../context.ts';

const OPERATION = 'GetBook';

export const wireSamplePhase: ServerPhase = {
  name: 'wire-sample',
  scope: 'server',
  // The measured server, once its load runs are over: the sample is of the servers measured.
  server: { metrics: true },
  applies: (ctx) => ctx.options.wireSample,
  async run(ctx, group) {
    const rows = await compareVariants(OPERATION, group.server.endpoints, group.variants);
    const { seed, scale } = ctx.options;
    const wireSample = toWireSample(
      { name: OPERATION, describe: OPERATIONS[OPERATION].describe },
      rows,
      `the shootout's own servers, one per implementation, after their load runs (seed ${seed}, scale ${scale})`,
    );
    const warnings = wireSample.variants
      .filter((v) => !v.ok)
      .map((v) => `${v.variant}: GetBook on the wire not captured (${v.error ?? 'failed'})`);
    return { wireSample, warnings };
  },
};

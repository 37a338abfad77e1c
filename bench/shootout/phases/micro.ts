// The serialization micro-benchmarks (bench/micro), when the profile runs them: no server.

import type { RunPhase } from '../context.ts';

export const microPhase: RunPhase = {
  name: 'micro',
  scope: 'run',
  applies: (ctx) => ctx.options.micro !== undefined,
  async run(ctx) {
    return { micro: (await ctx.options.micro?.(ctx.log)) ?? [] };
  },
};

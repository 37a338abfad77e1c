// The schema evolution lab (bench/evolution) when the profile runs it: no load, no shared
// server; its own servers start and stop inside it. Cheap beside the load phases (about a
// minute for the whole catalogue), so the full profile carries it and the report has the matrix.

import type { RunPhase } from '../context.ts';

export const evolutionPhase: RunPhase = {
  name: 'evolution',
  scope: 'run',
  applies: (ctx) => ctx.options.evolution !== undefined,
  async run(ctx) {
    const evolution = await ctx.options.evolution?.(ctx.log);
    return evolution ? { evolution } : {};
  },
};

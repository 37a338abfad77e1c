// Our HTTP/2 generator against h2load on the same grpc-js GetBook, on a fresh server: the
// evidence that HTTP/2 capacity figures measure the server, not a slow generator.

import { describeVariant, originOf } from '../../../clients/variants.ts';
import { compareWithH2load } from '../../capacity/h2load.ts';
import { buildCrudReadRequests } from '../../capacity/requests.ts';
import { GENERATOR_CORE, serverWrapper } from '../../load/pinning.ts';
import type { RunContext, RunPhase } from '../context.ts';
import { withServerGroup } from '../server-group.ts';

/** Below this ratio of h2load's throughput the generator's HTTP/2 figures are suspect. */
const ACCEPTABLE_RATIO = 0.9;

/** The variant the check loads: gRPC with grpc-js on both sides. */
function targetOf(ctx: RunContext) {
  return ctx.options.variants.find((v) => {
    const d = describeVariant(v);
    return d.protocol === 'grpc' && d.server === 'grpc-js';
  });
}

export const h2loadCheckPhase: RunPhase = {
  name: 'h2load-check',
  scope: 'run',
  applies: (ctx) => ctx.options.h2loadCheck && targetOf(ctx) !== undefined,
  async run(ctx) {
    const variant = targetOf(ctx);
    if (!variant) return {};
    const { options } = ctx;
    const group = { name: describeVariant(variant).serverGroup, variants: [variant] };
    return withServerGroup(ctx, group, {}, async ({ server, catalog }) => {
      const [spec] = buildCrudReadRequests(variant, {
        maxId: catalog.maxId,
        seed: options.seed,
        count: 1,
      });
      const comparison = await compareWithH2load({
        authority: originOf(variant, server.endpoints),
        spec: spec!,
        connections: options.capacity.h2Connections,
        streams: options.capacity.h2Streams,
        durationMs: options.durationMs,
        warmupMs: options.warmupMs,
        serverPid: server.pid,
        reps: options.repeat,
        wrapper: serverWrapper(GENERATOR_CORE),
      });
      const warnings =
        comparison.ratio.median < ACCEPTABLE_RATIO
          ? [
              `the HTTP/2 generator reached ${(comparison.ratio.median * 100).toFixed(0)}% of h2load on the grpc-js server`,
            ]
          : [];
      return {
        h2loadChecks: [
          {
            target: 'grpc-js GetBook',
            ours: comparison.oursThroughput,
            h2load: comparison.h2loadThroughput,
            ratio: comparison.ratio,
          },
        ],
        warnings,
      };
    });
  },
};

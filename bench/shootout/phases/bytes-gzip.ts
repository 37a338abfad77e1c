// The bytes pass again, against a second server of the group started with `serve --compression`
// (gzip for responses of 1 KiB or more, when the client accepts it), for every scenario whose
// plain bytes were measured. A separate process, so that the load runs never meet a compressing
// server. Requests stay uncompressed.

import type { Scenario } from '../../scenarios/index.ts';
import { type GroupRef, type RunContext, rowsOf } from '../context.ts';
import type { ScenarioResult } from '../results.ts';
import { bytesPass } from './bytes.ts';

/** The rows whose plain bytes were measured. */
function measuredRows(ctx: RunContext, group: GroupRef): [ScenarioResult, Scenario][] {
  return rowsOf(ctx, group).flatMap((row): [ScenarioResult, Scenario][] => {
    const scenario = ctx.options.scenarios.find((s) => s.name === row.scenario);
    return scenario && row.wire !== undefined ? [[row, scenario]] : [];
  });
}

export const bytesGzipPhase = bytesPass({
  name: 'bytes-gzip',
  server: { compression: true },
  rows: measuredRows,
  field: 'wireCompressed',
  what: 'compressed bytes',
});

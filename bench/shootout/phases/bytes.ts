// Bytes per operation, measured apart from the load runs (the tap is an extra hop): for every
// per-call scenario a variant ran, one call on a new connection, then one on the warm
// connection, through an accounted client.

import { type CallWire, createAccountedClient } from '../../../clients/accounting.ts';
import type { Variant } from '../../../clients/contract.ts';
import type { ServerProcess } from '../../../clients/server-process.ts';
import { layerTotals } from '../../../clients/wire/types.ts';
import type { Scenario } from '../../scenarios/index.ts';
import { prepareOperation } from '../../scenarios/operations.ts';
import { isPerCallOperation } from '../../scenarios/vocabulary.ts';
import {
  type Catalog,
  errorText,
  type GroupRef,
  type RunContext,
  rowsOf,
  type ScenarioPatch,
  type ServerPhase,
} from '../context.ts';
import type { ScenarioResult, WireFigures } from '../results.ts';
import { operationContext } from './scenarios.ts';

function toWireCall(w: CallWire): WireFigures['firstCall'] {
  return {
    request: layerTotals(w.request),
    response: layerTotals(w.response),
    httpRequests: w.httpRequests + w.streams,
  };
}

/** One call on a new connection, then the same call on the warm one. */
export async function measureWire(
  scenario: Scenario,
  variant: Variant,
  catalog: Catalog,
  seed: number,
  endpoints: ServerProcess['endpoints'],
  compression = false,
): Promise<WireFigures> {
  // settleMs: a late SETTINGS ACK of the handshake belongs to the first call, not the second.
  const accounted = await createAccountedClient(variant, endpoints, {
    settleMs: 25,
    compression,
  });
  try {
    // Two fresh preparations draw the same ids, so both calls send the same request and
    // differ only in what the connection has already paid for.
    const opCtx = operationContext(accounted.client, variant, catalog, seed);
    const first = prepareOperation(scenario, opCtx);
    const again = prepareOperation(scenario, opCtx);
    const firstCall = await accounted.measure(() => first.op(0));
    const secondCall = await accounted.measure(() => again.op(0));
    return { firstCall: toWireCall(firstCall.wire), steadyState: toWireCall(secondCall.wire) };
  } finally {
    await accounted.close();
  }
}

/** The group's rows whose scenario ran as calls and were measured. */
function measuredRows(ctx: RunContext, group: GroupRef): [ScenarioResult, Scenario][] {
  return rowsOf(ctx, group).flatMap((row): [ScenarioResult, Scenario][] => {
    const scenario = ctx.options.scenarios.find((s) => s.name === row.scenario);
    return scenario && row.status === 'ok' && isPerCallOperation(scenario.operation)
      ? [[row, scenario]]
      : [];
  });
}

/** One bytes pass over some of the group's rows: plain, or against a compressing server. */
export function bytesPass(pass: {
  name: string;
  server: ServerPhase['server'];
  rows: (ctx: RunContext, group: GroupRef) => [ScenarioResult, Scenario][];
  field: 'wire' | 'wireCompressed';
  what: string;
}): ServerPhase {
  const compression = pass.server.compression === true;
  return {
    name: pass.name,
    scope: 'server',
    server: pass.server,
    applies: (ctx, group) => pass.rows(ctx, group).length > 0,
    async run(ctx, group) {
      const patches: ScenarioPatch[] = [];
      const warnings: string[] = [];
      for (const [row, scenario] of pass.rows(ctx, group)) {
        const variant = row.variant as Variant;
        try {
          const figures = await measureWire(
            scenario,
            variant,
            group.catalog,
            ctx.options.seed,
            group.server.endpoints,
            compression,
          );
          patches.push({ variant, scenario: scenario.name, [pass.field]: figures });
        } catch (err) {
          warnings.push(
            `${variant} ${scenario.name}: ${pass.what} not measured (${errorText(err)})`,
          );
        }
      }
      return { patches, warnings };
    },
  };
}

export const bytesPhase: ServerPhase = bytesPass({
  name: 'bytes',
  // On the server the scenarios loaded, right after them.
  server: { metrics: true },
  rows: measuredRows,
  field: 'wire',
  what: 'bytes per operation',
});

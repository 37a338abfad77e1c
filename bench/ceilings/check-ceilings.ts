// Measures the capacity of every ceiling server, pinned to core 1 with the generator on core 0:
// autocannon for the HTTP/1.1 stacks, the HTTP/2 generator for grpc-js and connect-node h2.
//
//   node --import tsx bench/ceilings/check-ceilings.ts [--stacks node-http,express,...]
//        [--connections 10] [--h2-connections 4] [--streams 25] [--duration 5s] [--warmup 1s]
//        [--reps 3] [--variants] [--json]
//
// --variants also measures each protocol variant a connect-node ceiling serves.

import { parseArgs } from 'node:util';
import { runAutocannon } from '../capacity/autocannon.ts';
import { runH2Load } from '../capacity/h2-generator.ts';
import { type CapacityResult, roundSpread, type Spread } from '../capacity/result.ts';
import type { RequestSpec } from '../capacity/spec.ts';
import { parseDurationMs } from '../load/duration.ts';
import { spread } from '../load/histogram.ts';
import { GENERATOR_CORE, pinSelf, SERVER_CORE, serverWrapper } from '../load/pinning.ts';
import { CEILING_STACKS, type CeilingStack, isCeilingStack, startCeiling } from './index.ts';

const { values } = parseArgs({
  options: {
    stacks: { type: 'string', default: CEILING_STACKS.join(',') },
    connections: { type: 'string', default: '10' },
    'h2-connections': { type: 'string', default: '4' },
    streams: { type: 'string', default: '25' },
    duration: { type: 'string', default: '5s' },
    warmup: { type: 'string', default: '1s' },
    reps: { type: 'string', default: '3' },
    variants: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const stacks = (values.stacks ?? '').split(',').filter(isCeilingStack) as CeilingStack[];
const durationMs = parseDurationMs(values.duration ?? '5s');
const warmupMs = parseDurationMs(values.warmup ?? '1s');
const reps = Number(values.reps);
const pinned = pinSelf(GENERATOR_CORE);
const wrapper = serverWrapper(SERVER_CORE);

interface Row {
  stack: CeilingStack;
  request: string;
  throughput: Spread;
  p99: Spread;
  generatorCpu: Spread;
  serverCpu: Spread;
  bottlenecks: string[];
  failures: number;
}

const rows: Row[] = [];
for (const stack of stacks) {
  const ceiling = await startCeiling(stack, { wrapper });
  try {
    const targets: [string, RequestSpec[]][] = [['hello', ceiling.requests]];
    if (values.variants)
      targets.push(...(Object.entries(ceiling.requestsByVariant) as [string, RequestSpec[]][]));
    for (const [name, requests] of targets) {
      const runs: CapacityResult[] = [];
      for (let rep = 0; rep < reps; rep++) {
        runs.push(
          ceiling.transport === 'h1'
            ? await runAutocannon({
                origin: ceiling.origin,
                requests,
                connections: Number(values.connections),
                durationMs,
                warmupMs,
                serverPid: ceiling.pid,
              })
            : await runH2Load({
                authority: ceiling.origin,
                requests,
                connections: Number(values['h2-connections']),
                streams: Number(values.streams),
                durationMs,
                warmupMs,
                serverPid: ceiling.pid,
              }),
        );
      }
      const row: Row = {
        stack,
        request: name === 'hello' ? ceiling.reference : name,
        throughput: roundSpread(spread(runs.map((run) => run.throughput)), 0),
        p99: roundSpread(spread(runs.map((run) => run.latency.p99))),
        generatorCpu: roundSpread(spread(runs.map((run) => run.generatorCpu.utilisation)), 2),
        serverCpu: roundSpread(
          spread(runs.map((run) => run.serverCpu?.utilisation ?? Number.NaN)),
          2,
        ),
        bottlenecks: runs.map((run) => run.bottleneck),
        failures: runs.reduce((n, run) => n + run.requests - run.ok, 0),
      };
      rows.push(row);
      if (!values.json) {
        const t = row.throughput;
        process.stdout.write(
          `${stack.padEnd(13)} ${row.request.padEnd(17)} req/s ${t.median} [${t.min}..${t.max}]  p99 ${row.p99.median} ms  cpu gen ${row.generatorCpu.median} server ${row.serverCpu.median}  ${row.bottlenecks.join(',')}${row.failures ? `  FAILURES ${row.failures}` : ''}\n`,
        );
      }
    }
  } finally {
    await ceiling.stop();
  }
}
if (values.json) process.stdout.write(`${JSON.stringify({ pinned, wrapper, rows }, null, 2)}\n`);

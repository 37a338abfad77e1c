// Checks the HTTP/2 generator against h2load: GetBook on the grpc-js server and on connect-node's
// HTTP/2 server (gRPC protocol), each server pinned to core 1 and both generators to core 0,
// alternated in ABBA order. Prints the throughput of each and the ratio ours/h2load.
//
//   node --import tsx bench/capacity/check-h2.ts [--connections 4] [--streams 25]
//        [--duration 5s] [--warmup 1s] [--reps 3] [--targets grpc,grpc-connect]
//        [--engine frames|node-http2] [--json]

import { parseArgs } from 'node:util';
import type { Variant } from '../../clients/contract.ts';
import { startServerProcess } from '../../clients/server-process.ts';
import { describeVariant, originOf } from '../../clients/variants.ts';
import { parseDurationMs } from '../load/duration.ts';
import { GENERATOR_CORE, pinSelf, SERVER_CORE, serverWrapper } from '../load/pinning.ts';
import { compareWithH2load, type H2Comparison } from './h2load.ts';
import { encodeGetBook } from './requests.ts';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '4' },
    streams: { type: 'string', default: '25' },
    duration: { type: 'string', default: '5s' },
    warmup: { type: 'string', default: '1s' },
    reps: { type: 'string', default: '3' },
    targets: { type: 'string', default: 'grpc,grpc-connect' },
    engine: { type: 'string', default: 'frames' },
    json: { type: 'boolean', default: false },
  },
});

const pinned = pinSelf(GENERATOR_CORE);
const wrapper = serverWrapper(SERVER_CORE);
const generatorWrapper = pinned.pinned ? ['taskset', '-c', String(GENERATOR_CORE)] : [];
const targets = (values.targets ?? '').split(',').filter(Boolean) as Variant[];
interface Pair {
  ours: number;
  oursServerCpu: number | undefined;
  oursCpu: number;
  h2load: number;
  h2loadServerCpu: number | undefined;
  h2loadCpu: number | undefined;
}
const report: Record<
  string,
  Omit<H2Comparison, 'ours' | 'h2load'> & { command: string[]; pairs: Pair[] }
> = {};

for (const variant of targets) {
  const server = await startServerProcess({
    only: describeVariant(variant).serverGroup,
    scale: 'small',
    wrapper,
  });
  try {
    const comparison = await compareWithH2load({
      authority: originOf(variant, server.endpoints),
      spec: encodeGetBook(variant, 1),
      connections: Number(values.connections),
      streams: Number(values.streams),
      durationMs: parseDurationMs(values.duration ?? '5s'),
      warmupMs: parseDurationMs(values.warmup ?? '1s'),
      reps: Number(values.reps),
      wrapper: generatorWrapper,
      serverPid: server.pid,
      engine: values.engine === 'node-http2' ? 'node-http2' : 'frames',
    });
    const { ours, h2load, ...summary } = comparison;
    const failures = ours.reduce((n, run) => n + run.requests - run.ok, 0);
    if (failures > 0) throw new Error(`${variant}: ${failures} failed requests in our runs`);
    const pairs = ours.map((run, i) => ({
      ours: Math.round(run.meanThroughput),
      oursServerCpu: run.serverCpu?.utilisation,
      oursCpu: run.generatorCpu.utilisation,
      h2load: Math.round(h2load[i]?.throughput ?? Number.NaN),
      h2loadServerCpu: h2load[i]?.serverCpu?.utilisation,
      h2loadCpu: h2load[i]?.generatorCpu?.utilisation,
    }));
    report[variant] = { ...summary, command: h2load[0]?.command ?? [], pairs };
    if (!values.json) {
      const serverCpu = ours.map((run) => run.serverCpu?.utilisation.toFixed(2)).join('/');
      const h2Server = h2load.map((run) => run.serverCpu?.utilisation.toFixed(2)).join('/');
      process.stdout.write(
        [
          `${variant} (${values.connections} connections x ${values.streams} streams, ${ours.length} reps, engine ${values.engine})`,
          `  ours    req/s median ${summary.oursThroughput.median} [${summary.oursThroughput.min}..${summary.oursThroughput.max}]  cpu ${summary.oursCpu.median}  server cpu ${serverCpu}`,
          `  h2load  req/s median ${summary.h2loadThroughput.median} [${summary.h2loadThroughput.min}..${summary.h2loadThroughput.max}]  cpu ${summary.h2loadCpu.median}  server cpu ${h2Server}`,
          `  ratio ours/h2load median ${summary.ratio.median} [${summary.ratio.min}..${summary.ratio.max}]`,
          `  pairs (ours/h2load req/s): ${pairs.map((p) => `${p.ours}/${p.h2load}`).join(' ')}`,
          `  h2load: ${report[variant].command.join(' ')}`,
          '',
        ].join('\n'),
      );
    }
  } finally {
    await server.stop();
  }
}
if (values.json) process.stdout.write(`${JSON.stringify({ pinned, wrapper, report }, null, 2)}\n`);

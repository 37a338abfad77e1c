// What wire accounting costs: the same closed loop of getBook(1), through the accounting and
// directly, in one run, several repetitions alternating which goes first, reported as the
// throughput ratio (accounted / direct) with its median, min and max. Two modes:
// - measure: every call through AccountedClient.measure() (tap hop, recording, parsing, codec
//   replay), one at a time, since measure() accounts for one call at a time;
// - tap: N concurrent callers through the tap with recording on, parsed after each repetition
//   (what the extra hop costs under load; load runs use clients without any tap).
//
//   node --import tsx bench/accounting-overhead.ts [--variants rest,grpc] [--seconds 2]
//     [--repetitions 5] [--concurrency 8] [--modes measure,tap] [--json]

import { parseArgs } from 'node:util';
import { type AccountedClient, createAccountedClient } from '../clients/accounting.ts';
import {
  createClient,
  type Endpoints,
  type LibraryClient,
  VARIANTS,
  type Variant,
} from '../clients/index.ts';
import { startServerProcess } from '../clients/server-process.ts';

type Mode = 'measure' | 'tap';

interface Options {
  variants: Variant[];
  seconds: number;
  repetitions: number;
  concurrency: number;
  modes: Mode[];
  json: boolean;
}

interface Repetition {
  direct: number;
  accounted: number;
  ratio: number;
  directCpuPerCall: number;
  accountedCpuPerCall: number;
  accountedFirst: boolean;
}

interface Row {
  variant: Variant;
  mode: Mode;
  concurrency: number;
  repetitions: Repetition[];
  ratio: { median: number; min: number; max: number };
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      variants: { type: 'string', default: 'rest,grpc,connect-proto-h2' },
      seconds: { type: 'string', default: '2' },
      repetitions: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '8' },
      modes: { type: 'string', default: 'measure,tap' },
      json: { type: 'boolean', default: false },
    },
  });
  const variants = (values.variants === 'all' ? VARIANTS.join(',') : values.variants)
    .split(',')
    .map((v) => v.trim()) as Variant[];
  for (const variant of variants) {
    if (!(VARIANTS as readonly string[]).includes(variant)) {
      throw new Error(`unknown variant ${variant}; valid: ${VARIANTS.join(', ')}, all`);
    }
  }
  const modes = values.modes.split(',').map((m) => m.trim()) as Mode[];
  for (const mode of modes) {
    if (mode !== 'measure' && mode !== 'tap') throw new Error(`unknown mode ${mode}`);
  }
  return {
    variants,
    seconds: Number(values.seconds),
    repetitions: Number(values.repetitions),
    concurrency: Number(values.concurrency),
    modes,
    json: values.json,
  };
}

interface LoopResult {
  calls: number;
  /** Calls per second. */
  rate: number;
  /** This process's CPU time per call (µs): the client, and the tap when there is one. */
  cpuPerCall: number;
}

/**
 * `call` run by `workers` loops for `ms`. CPU time per call is reported beside throughput: on a
 * busy machine it is the steadier of the two, since other processes steal wall time, not CPU.
 */
async function closedLoop(
  call: () => Promise<unknown>,
  workers: number,
  ms: number,
  after: () => void = () => {},
): Promise<LoopResult> {
  let calls = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < deadline) {
        await call();
        calls += 1;
      }
    }),
  );
  after();
  const used = process.cpuUsage(cpu);
  return {
    calls,
    rate: calls / ((performance.now() - started) / 1000),
    cpuPerCall: (used.user + used.system) / calls,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function measureRow(
  variant: Variant,
  mode: Mode,
  endpoints: Endpoints,
  options: Options,
): Promise<Row> {
  const concurrency = mode === 'measure' ? 1 : options.concurrency;
  const direct: LibraryClient = createClient(variant, endpoints);
  const accounted: AccountedClient = await createAccountedClient(variant, endpoints);
  const ms = options.seconds * 1000;
  const runDirect = () => closedLoop(() => direct.getBook(1), concurrency, ms);
  const runAccounted = () =>
    mode === 'measure'
      ? closedLoop(() => accounted.measure((c) => c.getBook(1)), 1, ms)
      : // Parsing what was recorded is part of the cost: it runs inside the timed loop.
        closedLoop(
          () => accounted.client.getBook(1),
          concurrency,
          ms,
          () => accounted.flush(),
        );
  try {
    // Warm both (connections, JIT) before anything counts.
    await closedLoop(() => direct.getBook(1), concurrency, 300);
    await (mode === 'measure'
      ? closedLoop(() => accounted.measure((c) => c.getBook(1)), 1, 300)
      : closedLoop(() => accounted.client.getBook(1), concurrency, 300));
    accounted.flush();
    const repetitions: Repetition[] = [];
    for (let i = 0; i < options.repetitions; i++) {
      const accountedFirst = i % 2 === 1;
      let plain: LoopResult;
      let through: LoopResult;
      if (accountedFirst) {
        through = await runAccounted();
        plain = await runDirect();
      } else {
        plain = await runDirect();
        through = await runAccounted();
      }
      repetitions.push({
        direct: plain.rate,
        accounted: through.rate,
        ratio: through.rate / plain.rate,
        directCpuPerCall: plain.cpuPerCall,
        accountedCpuPerCall: through.cpuPerCall,
        accountedFirst,
      });
    }
    const ratios = repetitions.map((r) => r.ratio);
    return {
      variant,
      mode,
      concurrency,
      repetitions,
      ratio: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) },
    };
  } finally {
    await direct.close();
    await accounted.close();
  }
}

function render(rows: Row[], options: Options): string {
  const out: string[] = [];
  out.push(
    `accounting overhead: getBook(1) throughput with accounting / without, ${options.repetitions} repetitions of ${options.seconds} s each, alternating`,
  );
  const header = [
    'variant',
    'mode',
    'c',
    'direct/s',
    'accounted/s',
    'ratio med',
    'min',
    'max',
    'cost',
    'cpu µs/call',
    'accounted',
  ];
  const body = rows.map((row) => [
    row.variant,
    row.mode === 'measure' ? 'measure() per call' : 'tap, recording on',
    String(row.concurrency),
    median(row.repetitions.map((r) => r.direct)).toFixed(0),
    median(row.repetitions.map((r) => r.accounted)).toFixed(0),
    row.ratio.median.toFixed(3),
    row.ratio.min.toFixed(3),
    row.ratio.max.toFixed(3),
    `${((1 - row.ratio.median) * 100).toFixed(1)}%`,
    median(row.repetitions.map((r) => r.directCpuPerCall)).toFixed(0),
    median(row.repetitions.map((r) => r.accountedCpuPerCall)).toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  out.push(line(header), ...body.map(line));
  out.push(
    'ratio = accounted/direct throughput per repetition (median, min, max); cost = 1 - median ratio;',
  );
  out.push(
    'cpu µs/call = this process (client, and tap when accounting), median over repetitions.',
  );
  return out.join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const server = await startServerProcess({ scale: 'small' });
  const rows: Row[] = [];
  try {
    for (const variant of options.variants) {
      for (const mode of options.modes) {
        if (!options.json) process.stderr.write(`${variant} ${mode}...\n`);
        rows.push(await measureRow(variant, mode, server.endpoints, options));
      }
    }
  } finally {
    await server.stop();
  }
  process.stdout.write(
    options.json ? `${JSON.stringify({ options, rows }, null, 2)}\n` : `${render(rows, options)}\n`,
  );
}

await main();

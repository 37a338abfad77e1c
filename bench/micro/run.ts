// Runs the serialization micro-benchmarks from the command line:
//   tsx bench/micro/run.ts [--time 500] [--scale default] [--seed 42]
//                          [--payloads REGEX] [--codecs REGEX] [--json]
// prints a table (or, with --json, the MicroResult rows) on stdout and progress on stderr.

import { parseArgs } from 'node:util';
import { runMicroBenchmarks } from './index.ts';
import { formatMicroReport } from './table.ts';

function parsePositive(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      time: { type: 'string', default: '500' },
      scale: { type: 'string', default: 'default' },
      seed: { type: 'string', default: '42' },
      payloads: { type: 'string' },
      codecs: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const started = Date.now();
  const results = await runMicroBenchmarks({
    scale: values.scale,
    seed: Number(values.seed),
    timeMs: parsePositive(values.time, '--time'),
    payloads: values.payloads === undefined ? undefined : new RegExp(values.payloads),
    codecs: values.codecs === undefined ? undefined : new RegExp(values.codecs),
    onProgress: (name, index, total) => {
      process.stderr.write(`\r\x1b[K[${index + 1}/${total}] ${name}`);
    },
  });
  process.stderr.write(`\r\x1b[Kdone in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `serialization micro-benchmarks: scale ${values.scale}, seed ${values.seed}, ${values.time} ms per benchmark, Node ${process.version}\n`,
  );
  process.stdout.write(`${formatMicroReport(results)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});

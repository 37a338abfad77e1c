// `wirebench report [RUN]`: renders a run's report.md and self-contained report.html (and the
// charts as SVG files) next to its results.json and prints their paths. Exit codes: 0 ok,
// 1 failure, 2 usage error (no such run, not a results file).
//
// The same GetBook on the wire is not part of the raw results: the first report of a run
// captures it against a fresh local server (the run's seed, small scale: the shape of a call is
// what matters, and a small dataset starts in a second) and keeps it as wire-sample.json, so
// later reports are offline and instant; --no-wire skips the capture.

import { type Command, Option } from 'commander';
import type { ShootoutResults } from '../bench/shootout/results.ts';
import { VARIANTS, type Variant } from '../clients/contract.ts';
import { compareVariants, OPERATIONS } from '../clients/inspect/index.ts';
import { startServerProcess } from '../clients/server-process.ts';
import { loadRun, RunNotFoundError, writeReport } from '../reports/render/index.ts';
import {
  readWireSample,
  toWireSample,
  type WireSample,
  writeWireSample,
} from '../reports/render/wire-sample.ts';

export interface ReportFlags {
  /** Capture GetBook on the wire when the run folder has no wire-sample.json. */
  wire: boolean;
  json?: boolean;
}

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const PROCESS_IO: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** GetBook through every variant of the run, against a fresh server that is stopped afterwards. */
export async function captureWireSample(results: ShootoutResults): Promise<WireSample> {
  const variants = results.parameters.variants.filter((v): v is Variant =>
    (VARIANTS as readonly string[]).includes(v),
  );
  const seed = results.parameters.seed;
  const server = await startServerProcess({ seed, scale: 'small' });
  try {
    const rows = await compareVariants('GetBook', server.endpoints, variants);
    return toWireSample(
      { name: 'GetBook', describe: OPERATIONS.GetBook.describe },
      rows,
      `a fresh server started by wirebench report (seed ${seed}, scale small), not the measured servers`,
    );
  } finally {
    await server.stop();
  }
}

/** Renders the report of RUN (default: the newest run); returns the exit code. */
export async function runReport(
  run: string | undefined,
  flags: ReportFlags,
  io: Io = PROCESS_IO,
): Promise<number> {
  let loaded: ReturnType<typeof loadRun>;
  try {
    loaded = loadRun(run);
  } catch (err) {
    if (err instanceof RunNotFoundError) {
      io.stderr(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  let sample = readWireSample(loaded.dir);
  let captured: string | undefined;
  const hasGetBook = loaded.results.results.some((r) => r.scenario === 'crud-read');
  if (!sample && flags.wire && hasGetBook) {
    io.stderr('capturing GetBook on the wire for every variant (a fresh local server)...\n');
    try {
      sample = await captureWireSample(loaded.results);
      captured = writeWireSample(loaded.dir, sample);
    } catch (err) {
      // The report stands without the transcript; say why it is missing.
      io.stderr(
        `warning: GetBook on the wire not captured: ${err instanceof Error ? err.message : String(err)}\n`,
      );
    }
  }
  const written = writeReport(loaded.results, loaded.dir, sample);
  if (flags.json) {
    io.stdout(
      `${JSON.stringify({ run: loaded.results.run.id, results: loaded.file, ...written, wireSample: captured ?? null })}\n`,
    );
  } else {
    io.stdout(`report: ${written.markdown}\nreport: ${written.html}\n`);
  }
  return 0;
}

/** Adds `report` to the wirebench program (io: where it prints; tests pass their own). */
export function registerReportCommand(program: Command, io: Io = PROCESS_IO): void {
  program
    .command('report')
    .description('render a run as report.md and a self-contained report.html next to its results')
    .argument('[run]', 'a run id, a run folder or a results.json path (default: the newest run)')
    .addOption(
      new Option(
        '--no-wire',
        'do not capture GetBook on the wire when the run has no wire-sample.json (no server started)',
      ),
    )
    .addOption(new Option('--json', 'print the written paths as JSON'))
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  wirebench report                                   the newest run in reports/runs',
        '  wirebench report 20261121T214444Z-e0386d7          a run by id',
        '  wirebench report reports/reference/results.json    a results file anywhere',
        '',
        'Exit codes: 0 written, 1 failure, 2 no such run or not a results file.',
      ].join('\n'),
    )
    .action(async (run: string | undefined, flags: ReportFlags) => {
      process.exitCode = await runReport(run, flags, io);
    });
}

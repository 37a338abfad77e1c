// `wirebench calibrate`: runs the load runners against the calibration target and prints the
// analytical percentiles beside the measured ones. Exits 1 when the open loop's corrected
// percentiles fall outside the stated tolerance.

import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  type CalibrationResult,
  DEFAULT_TOLERANCE,
  runCalibration,
} from '../bench/load/calibration.ts';
import { formatDurationMs, parseDurationMs } from '../bench/load/duration.ts';
import { SCHEDULER_KINDS, type SchedulerKind } from '../bench/load/scheduler.ts';
import { formatNumber, formatPercent } from '../reports/render/analysis.ts';
import { colourEnabled, createTable, wrapText } from './terminal.ts';

interface CalibrateFlags {
  rate: number;
  duration: number;
  warmup: number;
  concurrency: number;
  cap?: number;
  scheduler: SchedulerKind;
  pin: boolean;
  json?: boolean;
}

function parsePositive(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('must be > 0');
  return value;
}

function parseCount(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError('must be a positive integer');
  }
  return value;
}

function parseDuration(text: string): number {
  try {
    const ms = parseDurationMs(text);
    if (ms <= 0) throw new RangeError('must be > 0');
    return ms;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function parseWarmup(text: string): number {
  try {
    return parseDurationMs(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function ms(value: number): string {
  return Number.isNaN(value) ? 'n/a' : formatNumber(value);
}

function mib(bytes: number): string {
  return `${formatNumber(bytes / 1024 / 1024)} MiB`;
}

/** The calibration for a terminal: a few sentences and one table, within 120 columns. */
export function formatCalibration(result: CalibrationResult, colour = false): string {
  const { parameters: p, model, open, capped, closed, pinning } = result;
  const lines: string[] = [];
  lines.push(
    `target: ${model.serviceMs} ms service, a ${model.stallMs} ms stall every ${model.periodMs} ms` +
      ` (node:http; server core ${pinning.server ?? 'unpinned'}, generator core ${pinning.generator ?? 'unpinned'})`,
  );
  lines.push(
    `open loop: ${p.rate}/s for ${formatDurationMs(p.durationMs)} after ${formatDurationMs(p.warmupMs)} warm-up,` +
      ` scheduler ${p.scheduler}: ${open.arrivals} arrivals, ${open.ops} ok, achieved ${formatNumber(open.achievedRate)}/s,` +
      ` send lag p50 ${ms(open.sendLag.p50)} / p99 ${ms(open.sendLag.p99)} / max ${ms(open.sendLag.max)} ms,` +
      ` in flight peak ${open.inFlightPeak}`,
  );
  lines.push(
    `capped open loop: at most ${p.cap} in flight: ${capped.ops} ok, achieved ${formatNumber(capped.achievedRate)}/s,` +
      ` queued peak ${capped.queuedPeak}`,
  );
  lines.push(
    `closed loop: ${p.concurrency} workers: ${closed.ops} ok, ${formatNumber(closed.throughput)}/s`,
  );
  // Two-line heads keep the eight columns within 120.
  const table = createTable(
    {
      head: [
        '',
        'analytical',
        'open\ncorrected',
        'allowed',
        'open\nuncorrected',
        `cap ${p.cap}\ncorrected`,
        `cap ${p.cap}\nuncorrected`,
        'closed\nloop',
      ],
      colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    },
    colour,
  );
  for (const row of result.rows) {
    table.push([
      row.label,
      ms(row.analytical),
      `${ms(row.open.corrected)}${row.ok ? '' : ' !'}`,
      row.allowed ? `${ms(row.allowed.min)}..${ms(row.allowed.max)}` : 'not checked',
      ms(row.open.uncorrected),
      ms(row.capped.corrected),
      ms(row.capped.uncorrected),
      ms(row.closed),
    ]);
  }
  table.push([
    'mean',
    ms(result.analyticalMean),
    ms(open.corrected.mean),
    '',
    ms(open.uncorrected.mean),
    ms(capped.corrected.mean),
    ms(capped.uncorrected.mean),
    ms(closed.latency.mean),
  ]);
  lines.push(`latency in ms:\n${table.toString()}`);
  const cpu = (phase: keyof CalibrationResult['processes']) => {
    const { target, generator } = result.processes[phase];
    return `${phase}: target ${formatPercent(target.utilisation)} (${mib(target.peakRssBytes)}), generator ${formatPercent(generator.utilisation)}`;
  };
  lines.push(`CPU of one core: ${cpu('open')}; ${cpu('capped')}; ${cpu('closed')}`);
  const p99 = result.rows.find((row) => row.percentile === 99);
  if (p99) {
    lines.push(
      `coordinated omission: true p99 ${ms(p99.analytical)} ms; closed loop saw ${ms(p99.closed)} ms,` +
        ` the capped open loop measured from the actual send ${ms(p99.capped.uncorrected)} ms` +
        ` (from the intended send: ${ms(p99.capped.corrected)} ms)`,
    );
  }
  const t = result.tolerance;
  if (result.ok) {
    lines.push(
      `ok: open-loop corrected percentiles within -${t.absMs} ms .. +(${t.absMs} ms + ${formatPercent(t.rel)}) of the analysis`,
    );
  } else {
    lines.push('FAILED:', ...result.failures.map((f) => `  ${f}`));
  }
  // The sentences wrap; the table is narrow enough as it is.
  return lines.map((line) => (line.includes('\n') ? line : wrapText(line))).join('\n');
}

export interface CalibrateOutput {
  /** Where the report goes (default process.stdout); progress always goes to stderr. */
  write?: (text: string) => void;
  /** Colour in the table (default: when process.stdout is a terminal and NO_COLOR is not set). */
  colour?: boolean;
}

export function registerCalibrateCommand(program: Command, output: CalibrateOutput = {}): Command {
  const write = output.write ?? ((text: string) => process.stdout.write(text));
  const colour = output.colour ?? (output.write === undefined && colourEnabled(process.stdout));
  return program
    .command('calibrate')
    .description(
      'check the load runners against a target with a known latency distribution ' +
        '(1 ms service, 100 ms stall once a second)',
    )
    .addOption(
      new Option('--rate <n>', 'open-loop arrivals per second')
        .default(500)
        .argParser(parsePositive),
    )
    .addOption(
      new Option('--duration <d>', 'measured time per run (5s, 500ms, 1m)')
        .default(5_000, '5s')
        .argParser(parseDuration),
    )
    .addOption(
      new Option('--warmup <d>', 'warm-up before each run')
        .default(1_000, '1s')
        .argParser(parseWarmup),
    )
    .addOption(
      new Option('--concurrency <n>', 'closed-loop workers').default(2).argParser(parseCount),
    )
    .addOption(
      new Option(
        '--cap <n>',
        'in-flight cap of the capped open-loop run (default rate/200)',
      ).argParser(parseCount),
    )
    .addOption(
      new Option('--scheduler <kind>', 'open-loop dispatcher timing')
        .choices(SCHEDULER_KINDS)
        .default('precise'),
    )
    .addOption(new Option('--no-pin', 'do not pin the target and the generator with taskset'))
    .addOption(new Option('--json', 'print the full result as JSON'))
    .action(async (flags: CalibrateFlags) => {
      const seconds = formatDurationMs(flags.warmup + flags.duration);
      const phases: Record<string, string> = {
        start: 'starting the target',
        open: `open loop at ${flags.rate}/s (${seconds})`,
        capped: `capped open loop (${seconds})`,
        closed: `closed loop, ${flags.concurrency} workers (${seconds})`,
      };
      const progress = (phase: string) => {
        const text = phases[phase];
        if (!flags.json && text) process.stderr.write(`calibrate: ${text}\n`);
      };
      const result = await runCalibration({
        rate: flags.rate,
        durationMs: flags.duration,
        warmupMs: flags.warmup,
        concurrency: flags.concurrency,
        ...(flags.cap === undefined ? {} : { cap: flags.cap }),
        scheduler: flags.scheduler,
        pinTarget: flags.pin,
        pinGenerator: flags.pin,
        tolerance: DEFAULT_TOLERANCE,
        onPhase: progress,
      });
      write(
        flags.json
          ? `${JSON.stringify(result, null, 2)}\n`
          : `${formatCalibration(result, colour)}\n`,
      );
      if (!result.ok) process.exitCode = 1;
    });
}

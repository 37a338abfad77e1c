// `wirebench shootout`: runs every selected protocol variant through every selected scenario,
// writes reports/runs/<id>/results.json and prints a summary. Exit codes: 0 ok, 1 a threshold
// broke or the run failed, 2 usage error.

import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseDurationMs } from '../bench/load/duration.ts';
import { loadScenarios, selectScenarios } from '../bench/scenarios/index.ts';
import type { ScenarioResult, ShootoutResults, Spread } from '../bench/shootout/results.ts';
import { writeResults } from '../bench/shootout/results.ts';
import { runShootout, type ShootoutOptions } from '../bench/shootout/run.ts';
import { parseThreshold, type Threshold } from '../bench/shootout/thresholds.ts';
import { VARIANTS, type Variant } from '../clients/contract.ts';

export const PROFILES = {
  quick: {
    durationMs: 600,
    warmupMs: 300,
    repeat: 3,
    concurrency: [16],
    openLoop: false,
    h2loadCheck: false,
    micro: false,
  },
  full: {
    durationMs: 3_000,
    warmupMs: 1_000,
    repeat: 3,
    concurrency: [1, 4, 16, 64],
    openLoop: true,
    h2loadCheck: true,
    micro: true,
  },
} as const;

interface ShootoutFlags {
  profile: 'quick' | 'full';
  protocols?: string;
  scenarios?: string;
  concurrency?: string;
  rate?: number;
  duration?: number;
  warmup?: number;
  repeat?: number;
  seed: number;
  scale: string;
  json?: boolean;
  threshold: Threshold[];
  capacity: boolean;
  ceilings: boolean;
  progress: boolean;
  report: boolean;
  micro: boolean;
}

function parseList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function parseVariants(text: string | undefined): Variant[] {
  if (!text) return [...VARIANTS];
  const chosen: Variant[] = [];
  for (const pattern of parseList(text)) {
    const regex = new RegExp(`^(?:${pattern})$`);
    const matched = VARIANTS.filter((v) => regex.test(v));
    if (matched.length === 0) {
      throw new InvalidArgumentError(
        `no protocol variant matches "${pattern}"; known: ${VARIANTS.join(', ')}`,
      );
    }
    for (const v of matched) if (!chosen.includes(v)) chosen.push(v);
  }
  return chosen;
}

function parsePositiveInts(text: string): number[] {
  const list = parseList(text).map(Number);
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1 || n > 10_000)) {
    throw new InvalidArgumentError('must be a comma-separated list of integers from 1 to 10000');
  }
  return list;
}

function parseDurationOption(text: string): number {
  try {
    return parseDurationMs(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function parsePositive(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

function parseThresholdOption(text: string, previous: Threshold[]): Threshold[] {
  try {
    return [...previous, parseThreshold(text)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const range = (s: Spread | undefined, digits = 1) =>
  s && s.n > 0 ? `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})` : '-';

/** The terminal summary: one row per scenario and variant, medians with their min–max. */
export function renderSummary(results: ShootoutResults): string {
  const table = new Table({
    head: [
      'scenario',
      'variant',
      'ops/s',
      'p50 ms',
      'p99 ms',
      'server CPU ms/op',
      'queries/op',
      'bytes/op',
      'capacity req/s',
      'of ceiling',
      'notes',
    ],
    style: { head: [], border: [] },
  });
  const note = (r: ScenarioResult) => {
    const notes: string[] = [];
    const loop = r.closedLoop[0];
    if (loop?.bottleneck === 'generator') notes.push('generator-bound');
    if (r.capacity?.bottleneck === 'generator') notes.push('capacity generator-bound');
    const errors = loop ? Object.entries(loop.errors) : [];
    if (errors.length > 0) notes.push(`errors ${errors.map(([c, n]) => `${c}:${n}`).join(' ')}`);
    return notes.join('; ');
  };
  for (const r of results.results) {
    if (r.status !== 'ok') {
      table.push([
        r.scenario,
        r.variant,
        { colSpan: 9, content: `${r.status}: ${r.reason ?? ''}`.slice(0, 90) },
      ]);
      continue;
    }
    if (r.stream) {
      table.push([
        r.scenario,
        r.variant,
        `${fmt(r.stream.messagesPerSecond.median, 0)} msg/s`,
        fmt(r.stream.latency.p50.median, 2),
        fmt(r.stream.latency.p99.median, 2),
        '-',
        '-',
        '-',
        '-',
        '-',
        `delivered ${r.stream.delivered}/${r.stream.expected}`,
      ]);
      continue;
    }
    if (r.bidi) {
      table.push([
        r.scenario,
        r.variant,
        `${fmt(r.bidi.messagesPerSecond.median, 0)} msg/s`,
        fmt(r.bidi.roundTrip.p50.median, 2),
        fmt(r.bidi.roundTrip.p99.median, 2),
        '-',
        '-',
        '-',
        '-',
        '-',
        `fan-out p99 ${fmt(r.bidi.fanOut.p99.median, 2)} ms`,
      ]);
      continue;
    }
    const loop = r.closedLoop[0];
    table.push([
      r.scenario,
      r.variant,
      range(loop?.throughput, 0),
      range(loop?.latency.p50, 2),
      range(loop?.latency.p99, 2),
      fmt(loop?.server?.cpuMsPerOp.median ?? Number.NaN, 3),
      fmt(loop?.server?.storeQueriesPerOp.median ?? Number.NaN, 1),
      r.wire ? `${r.wire.steadyState.request.total + r.wire.steadyState.response.total}` : '-',
      range(r.capacity?.throughput, 0),
      r.capacity?.ratioToCeiling
        ? `${fmt(r.capacity.ratioToCeiling.median * 100, 0)}% of ${r.capacity.ceiling?.stack}`
        : '-',
      note(r),
    ]);
  }
  const lines = [table.toString()];
  if (results.ceilings.length > 0) {
    lines.push(
      `ceilings (bare hello-world, req/s): ${results.ceilings
        .map(
          (c) =>
            `${c.stack} ${range(c.throughput, 0)}${c.bottleneck === 'generator' ? ' [generator-bound]' : ''}`,
        )
        .join(', ')}`,
    );
  }
  for (const check of results.h2loadChecks) {
    lines.push(
      `HTTP/2 generator vs h2load on ${check.target}: ${range(check.ratio, 2)} (ours ${range(check.ours, 0)}, h2load ${range(check.h2load, 0)} req/s)`,
    );
  }
  for (const t of results.thresholds) {
    lines.push(
      `threshold ${t.source} [${t.variant}]: ${t.passed ? 'ok' : 'BROKEN'} (actual ${t.actual === undefined ? 'not measured' : fmt(t.actual, 3)})`,
    );
  }
  for (const w of results.warnings) lines.push(`warning: ${w}`);
  lines.push(
    `profile ${results.run.profile}, ${results.parameters.repeat} repetitions of ${results.parameters.durationMs} ms after ${results.parameters.warmupMs} ms warm-up; wall time ${fmt(results.run.wallMs / 1_000, 1)} s; server ${results.parameters.pinning.server}, load ${results.parameters.pinning.load}`,
  );
  return lines.join('\n');
}

export function registerShootoutCommand(program: Command): void {
  program
    .command('shootout')
    .description('run every protocol variant through every scenario and write raw results')
    .addOption(
      new Option('--profile <profile>', 'quick (about 4 minutes on 2 cores) or full (about 30)')
        .choices(['quick', 'full'])
        .default('quick'),
    )
    .option(
      '--protocols <list>',
      `variants by name or regex, comma-separated (${VARIANTS.join(', ')})`,
    )
    .option('--scenarios <list>', 'scenarios by name or regex, comma-separated')
    .option(
      '--concurrency <list>',
      'closed-loop concurrency; several values draw the throughput curve',
    )
    .addOption(
      new Option(
        '--rate <ops>',
        "open-loop arrival rate for crud-read (ops/s); default half of what the variant carries (the lower of its server's capacity and its client's best closed-loop throughput)",
      ).argParser(parsePositive),
    )
    .addOption(
      new Option('--duration <time>', 'measured time per repetition (e.g. 5s, 500ms)').argParser(
        parseDurationOption,
      ),
    )
    .addOption(
      new Option('--warmup <time>', 'discarded warm-up before each repetition').argParser(
        parseDurationOption,
      ),
    )
    .addOption(
      new Option(
        '--repeat <n>',
        'repetitions of every measurement (>= 3 gives a spread)',
      ).argParser((t) => parsePositiveInts(t)[0] as number),
    )
    .addOption(
      new Option('--seed <n>', 'dataset seed')
        .default(42)
        .argParser((t) => parsePositiveInts(t)[0] as number),
    )
    .option('--scale <scale>', 'dataset scale: small, default, large or a multiplier', 'default')
    .option('--json', 'print the raw results JSON on stdout (progress goes to stderr)')
    .addOption(
      new Option(
        '--threshold <expr>',
        "fail (exit 1) when broken, k6 style: 'crud-read:p99<20ms', 'crud-read@grpc:rps>5000' (read at the highest concurrency measured)",
      )
        .argParser(parseThresholdOption)
        .default([]),
    )
    .option('--no-capacity', 'skip the server-only capacity runs')
    .option('--no-ceilings', 'skip the hello-world ceilings')
    .option('--no-progress', 'no progress bar')
    .option('--no-report', 'do not render report.md and report.html at the end')
    .option('--no-micro', 'skip the serialization micro-benchmarks of the full profile')
    .action(async (flags: ShootoutFlags) => {
      const profile = PROFILES[flags.profile];
      const out = flags.json ? process.stderr : process.stdout;
      const options: ShootoutOptions = {
        profile: flags.profile,
        variants: parseVariants(flags.protocols),
        scenarios: selectScenarios(
          loadScenarios(),
          flags.scenarios ? parseList(flags.scenarios) : undefined,
          flags.profile,
        ),
        concurrency: flags.concurrency
          ? parsePositiveInts(flags.concurrency)
          : [...profile.concurrency],
        concurrencyExplicit: flags.concurrency !== undefined,
        rate: flags.rate,
        openLoop: profile.openLoop || flags.rate !== undefined,
        durationMs: flags.duration ?? profile.durationMs,
        warmupMs: flags.warmup ?? profile.warmupMs,
        repeat: flags.repeat ?? profile.repeat,
        seed: flags.seed,
        scale: flags.scale,
        capacity: { enabled: flags.capacity, h1Connections: 64, h2Connections: 4, h2Streams: 16 },
        ceilings: flags.ceilings && flags.capacity,
        h2loadCheck: profile.h2loadCheck && flags.capacity,
        micro:
          profile.micro && flags.micro
            ? async (log) => {
                const { runMicroBenchmarks } = await import('../bench/micro/index.ts');
                log('serialization micro-benchmarks');
                return runMicroBenchmarks({ scale: flags.scale, seed: flags.seed, timeMs: 500 });
              }
            : undefined,
        thresholds: flags.threshold,
        argv: process.argv.slice(2),
      };
      const bar =
        flags.progress && out.isTTY
          ? new cliProgress.SingleBar(
              { format: 'shootout [{bar}] {value}/{total} {step}', stream: out, hideCursor: true },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      let started = false;
      options.onProgress = (e) => {
        if (bar) {
          if (!started) {
            bar.start(e.total, 0, { step: '' });
            started = true;
          }
          bar.update(e.done, { step: e.step });
        } else if (flags.progress) {
          out.write(`[${e.done}/${e.total}] ${e.step}\n`);
        }
      };
      options.log = (line) => {
        if (!bar) out.write(`${line}\n`);
      };
      const results = await runShootout(options).finally(() => bar?.stop());
      const file = writeResults(results);
      if (flags.json) process.stdout.write(`${JSON.stringify(results)}\n`);
      out.write(`${renderSummary(results)}\n`);
      out.write(`results: ${file}\n`);
      if (flags.report) {
        const { runReport } = await import('./report.ts');
        await runReport(
          file,
          { wire: true, json: false },
          { stdout: (t) => out.write(t), stderr: (t) => process.stderr.write(t) },
        );
      }
      if (results.thresholds.some((t) => !t.passed)) process.exitCode = 1;
    });
}

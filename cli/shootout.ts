// `wirebench shootout`: runs every selected protocol variant through every selected scenario,
// analyses the run (thresholds, figure warnings: reports/render/analysis.ts), writes
// reports/runs/<id>/results.json and prints a summary a person reads: the verdict per scenario,
// then a table within 120 columns (the wide one with --verbose). Exit codes: 0 ok, 1 a threshold
// broke or the run failed, 2 usage error.

import { dirname } from 'node:path';
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseDurationMs } from '../bench/load/duration.ts';
import { loadScenarios, selectScenarios } from '../bench/scenarios/index.ts';
import type { ScenarioResult, ShootoutResults } from '../bench/shootout/results.ts';
import { writeResults } from '../bench/shootout/results.ts';
import { runShootoutPipeline, type ShootoutOptions } from '../bench/shootout/run.ts';
import { parseThreshold, type Threshold } from '../bench/shootout/thresholds.ts';
import { VARIANTS, type Variant } from '../clients/contract.ts';
import {
  describeMetric,
  describeThreshold,
  formatMargin,
  formatNumber,
  formatPercent,
  formatPhaseTimes,
  formatSpread,
  isFallback,
  levelsOf,
  loopAt,
  scenariosOf,
  type Verdict,
  variantsOf,
  verdictsOf,
  withAnalysis,
} from '../reports/render/analysis.ts';
import { writeWireSample } from '../reports/render/wire-sample.ts';
import {
  colourEnabled,
  createTable,
  renderPlainTable,
  TERMINAL_WIDTH,
  wrapLine,
  wrapText,
} from './terminal.ts';

export const PROFILES = {
  quick: {
    durationMs: 600,
    warmupMs: 300,
    repeat: 3,
    concurrency: [16],
    openLoop: false,
    h2loadCheck: false,
    micro: false,
    evolution: false,
  },
  full: {
    durationMs: 3_000,
    warmupMs: 1_000,
    repeat: 3,
    concurrency: [1, 4, 16, 64],
    openLoop: true,
    h2loadCheck: true,
    micro: true,
    evolution: true,
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
  evolution: boolean;
  verbose?: boolean;
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

// ---------------------------------------------------------------------------------------------
// The terminal summary

export interface SummaryOptions {
  /** The full wide table (every figure of a row) instead of the compact one. */
  verbose?: boolean | undefined;
  colour?: boolean | undefined;
}

const DASH = '–';

function steadyBytes(r: ScenarioResult): number | undefined {
  const w = r.wire?.steadyState;
  return w ? w.request.total + w.response.total : undefined;
}

function errorsNote(errors: Record<string, number>): string | undefined {
  const list = Object.entries(errors);
  return list.length === 0 ? undefined : `errors ${list.map(([c, n]) => `${c} ${n}`).join(', ')}`;
}

/** One line per scenario: winner, margin with its range, noise, and the level (or the metric). */
export function verdictLines(results: ShootoutResults): string[] {
  const verdicts = verdictsOf(results);
  if (verdicts.length === 0) return [];
  const pad = Math.max(...verdicts.map((v) => v.scenario.length));
  const line = (v: Verdict): string => {
    const name = v.scenario.padEnd(pad);
    const notRun = [
      ...(v.notApplicable.length > 0
        ? [`n/a: ${v.notApplicable.map((x) => x.variant).join(', ')}`]
        : []),
      ...(v.failed.length > 0 ? [`failed: ${v.failed.map((x) => x.variant).join(', ')}`] : []),
    ];
    if (!v.winner)
      return `${name}  no variant measured${notRun.length ? `; ${notRun.join('; ')}` : ''}`;
    // What qualifies the margin: the two figures it is made of (the table flags the rest).
    const pair = [v.winner.variant, v.runnerUp?.variant];
    const bound = v.generatorBound.filter((x) => pair.includes(x));
    const tail = [
      ...v.fallbacks
        .filter((f) => pair.includes(f.variant))
        .map((f) => `${f.variant} read at c=${f.concurrency}, its highest`),
      ...(bound.length > 0 ? [`⚠ generator-bound: ${bound.join(', ')}`] : []),
      ...notRun,
    ];
    const rest = tail.length > 0 ? `; ${tail.join('; ')}` : '';
    if (!v.runnerUp) {
      return `${name}  only ${v.winner.variant} measured, ${describeMetric(v)}: ${formatSpread(v.winner.figure, v.metric.unit)}${rest}`;
    }
    const verb = v.significance === 'beyond noise' ? 'wins' : 'leads';
    return `${name}  ${v.winner.variant} ${verb} on ${describeMetric(v)}: ${formatMargin(v)} vs ${v.runnerUp.variant}, ${v.significance}${rest}`;
  };
  return [
    'verdict per scenario (winner, margin over the runner-up with its range over the repetitions, noise):',
    // Continuation lines start under the winner, past the scenario column.
    ...verdicts.flatMap((v) => wrapLine(`  ${line(v)}`, TERMINAL_WIDTH, ' '.repeat(pad + 2))),
  ];
}

/** Results in report order: scenario (pattern order), then variant. */
function ordered(results: ShootoutResults): ScenarioResult[] {
  const scenarios = scenariosOf(results);
  const variants = variantsOf(results);
  return [...results.results].sort(
    (a, b) =>
      scenarios.indexOf(a.scenario) - scenarios.indexOf(b.scenario) ||
      variants.indexOf(a.variant) - variants.indexOf(b.variant),
  );
}

const COMPACT_HEAD = [
  'scenario',
  'variant',
  'c',
  'ops/s (min–max)',
  'p99 ms',
  'bytes/op',
  'capacity/s',
  'notes',
];

/** The default table: one row per scenario and variant, within 120 columns. */
export function renderCompactTable(results: ShootoutResults, colour = false): string {
  const levels = levelsOf(results);
  let previous: string | undefined;
  const rows = ordered(results).map((r): string[] => {
    const scenario = r.scenario === previous ? '' : r.scenario;
    previous = r.scenario;
    const bytes = steadyBytes(r);
    const bytesCell = bytes === undefined ? DASH : formatNumber(bytes);
    if (r.status !== 'ok') {
      return [scenario, r.variant, DASH, DASH, DASH, DASH, DASH, `${r.status}: ${r.reason ?? ''}`];
    }
    if (r.stream) {
      const s = r.stream;
      return [
        scenario,
        r.variant,
        DASH,
        DASH,
        formatNumber(s.latency.p99.median),
        bytesCell,
        DASH,
        [
          `p99 per message; ${formatNumber(s.messagesPerSecond.median)} msg/s`,
          ...(s.delivered < s.expected
            ? [`delivered ${formatNumber(s.delivered)}/${formatNumber(s.expected)}`]
            : []),
        ].join('; '),
      ];
    }
    if (r.bidi) {
      const b = r.bidi;
      return [
        scenario,
        r.variant,
        DASH,
        DASH,
        formatNumber(b.roundTrip.p99.median),
        bytesCell,
        DASH,
        `p99 round trip; fan-out p99 ${formatNumber(b.fanOut.p99.median)} ms`,
      ];
    }
    const level = levels.get(r.scenario);
    const loop = loopAt(r, level);
    const notes: string[] = [];
    if (isFallback(loop, level)) notes.push(`its highest; others c=${level}`);
    if (loop?.bottleneck === 'generator') notes.push('⚠ generator-bound');
    const errors = loop ? errorsNote(loop.errors) : undefined;
    if (errors) notes.push(errors);
    const cap = r.capacity;
    if (cap?.bottleneck === 'generator') notes.push('⚠ capacity generator-bound');
    if (cap && cap.errors > 0) notes.push(`capacity: ${formatNumber(cap.errors)} failed`);
    return [
      scenario,
      r.variant,
      loop ? String(loop.concurrency) : DASH,
      formatSpread(loop?.throughput),
      loop ? formatNumber(loop.latency.p99.median) : DASH,
      bytesCell,
      cap
        ? `${formatNumber(cap.throughput.median)}${cap.ratioToCeiling ? ` (${formatPercent(cap.ratioToCeiling.median)})` : ''}`
        : DASH,
      notes.join('; '),
    ];
  });
  return renderPlainTable(COMPACT_HEAD, rows, {
    width: TERMINAL_WIDTH,
    colour,
    align: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'left'],
  });
}

/** The full table of --verbose: every figure of a row, wide (the report has the same). */
export function renderWideTable(results: ShootoutResults, colour = false): string {
  const levels = levelsOf(results);
  const table = createTable(
    {
      head: [
        'scenario',
        'variant',
        'c',
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
    },
    colour,
  );
  for (const r of ordered(results)) {
    if (r.status !== 'ok') {
      table.push([
        r.scenario,
        r.variant,
        { colSpan: 10, content: `${r.status}: ${r.reason ?? ''}` },
      ]);
      continue;
    }
    const bytes = steadyBytes(r);
    const streamed = r.stream
      ? {
          rate: r.stream.messagesPerSecond,
          latency: r.stream.latency,
          note: `per message; delivered ${formatNumber(r.stream.delivered)}/${formatNumber(r.stream.expected)}`,
        }
      : r.bidi
        ? {
            rate: r.bidi.messagesPerSecond,
            latency: r.bidi.roundTrip,
            note: `round trip; fan-out p99 ${formatNumber(r.bidi.fanOut.p99.median)} ms`,
          }
        : undefined;
    if (streamed) {
      table.push([
        r.scenario,
        r.variant,
        DASH,
        `${formatSpread(streamed.rate)} msg/s`,
        formatSpread(streamed.latency.p50),
        formatSpread(streamed.latency.p99),
        DASH,
        DASH,
        bytes === undefined ? DASH : formatNumber(bytes),
        DASH,
        DASH,
        streamed.note,
      ]);
      continue;
    }
    const level = levels.get(r.scenario);
    const loop = loopAt(r, level);
    const notes: string[] = [];
    if (loop && isFallback(loop, level))
      notes.push(`c=${loop.concurrency} is its highest (the others c=${level})`);
    if (loop?.bottleneck === 'generator') notes.push('generator-bound');
    if (r.capacity?.bottleneck === 'generator') notes.push('capacity generator-bound');
    const errors = loop ? errorsNote(loop.errors) : undefined;
    if (errors) notes.push(errors);
    const cap = r.capacity;
    table.push([
      r.scenario,
      r.variant,
      loop ? String(loop.concurrency) : DASH,
      formatSpread(loop?.throughput),
      formatSpread(loop?.latency.p50),
      formatSpread(loop?.latency.p99),
      formatSpread(loop?.server?.cpuMsPerOp),
      formatSpread(loop?.server?.storeQueriesPerOp),
      bytes === undefined ? DASH : formatNumber(bytes),
      formatSpread(cap?.throughput),
      cap?.ratioToCeiling
        ? `${formatPercent(cap.ratioToCeiling.median)} of ${cap.ceiling?.stack}`
        : DASH,
      notes.join('; '),
    ]);
  }
  return table.toString();
}

/** The terminal summary: verdicts, a table, ceilings, thresholds, warnings and the run's set-up. */
export function renderSummary(results: ShootoutResults, options: SummaryOptions = {}): string {
  const colour = options.colour ?? false;
  const levels = levelsOf(results);
  // Free text is wrapped to 120 columns; the tables are sized by their renderers.
  const text = (line: string) => wrapText(line, TERMINAL_WIDTH);
  const lines: string[] = verdictLines(results);
  if (lines.length > 0) lines.push('');
  if (options.verbose) lines.push(renderWideTable(results, colour));
  else {
    lines.push(
      renderCompactTable(results, colour),
      text(
        "c: the closed-loop level read (the verdict's); ops/s: median (min–max) over the repetitions; capacity/s: server-only req/s of the scenario's operation with pre-encoded requests (its share of its own stack's hello-world ceiling)",
      ),
    );
  }
  lines.push('');
  if (results.ceilings.length > 0) {
    lines.push(
      text(
        `ceilings (bare hello-world, req/s): ${results.ceilings
          .map(
            (c) =>
              `${c.stack} ${formatSpread(c.throughput)}${c.bottleneck === 'generator' ? ' [generator-bound]' : ''}`,
          )
          .join(', ')}`,
      ),
    );
  }
  for (const check of results.h2loadChecks) {
    lines.push(
      text(
        `HTTP/2 generator vs h2load on ${check.target}: ${formatSpread(check.ratio)} of h2load (ours ${formatSpread(check.ours)}, h2load ${formatSpread(check.h2load)} req/s)`,
      ),
    );
  }
  for (const t of results.thresholds) lines.push(text(describeThreshold(t, levels)));
  for (const w of results.warnings) lines.push(text(`warning: ${w}`));
  const p = results.parameters;
  lines.push(
    text(
      `profile ${results.run.profile}, ${p.repeat} repetitions of ${formatNumber(p.durationMs)} ms after ${formatNumber(p.warmupMs)} ms warm-up; wall time ${formatNumber(results.run.wallMs / 1_000)} s; server ${p.pinning.server}, load ${p.pinning.load}`,
    ),
  );
  const phases = formatPhaseTimes(results);
  if (phases) lines.push(text(`wall time by phase: ${phases}`));
  if (!options.verbose) {
    lines.push('every figure of a row, with its spread: --verbose, or the report');
  }
  return lines.join('\n');
}

export function registerShootoutCommand(program: Command): void {
  program
    .command('shootout')
    .description('run every protocol variant through every scenario and write raw results')
    .addOption(
      new Option('--profile <profile>', 'quick (about 4 minutes on 2 cores) or full (about 31)')
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
        "fail (exit 1) when broken, k6 style: 'crud-read:p99<20ms', 'crud-read@grpc:rps>5000' (read at the verdict's level: the highest concurrency every variant of the scenario ran)",
      )
        .argParser(parseThresholdOption)
        .default([]),
    )
    .option('--no-capacity', 'skip the server-only capacity runs')
    .option('--no-ceilings', 'skip the hello-world ceilings')
    .option('--no-progress', 'no progress bar')
    .option('--no-report', 'do not render report.md and report.html at the end')
    .option('--no-micro', 'skip the serialization micro-benchmarks of the full profile')
    .option('--no-evolution', 'skip the schema evolution lab of the full profile')
    .option('--verbose', 'print the full wide table of every figure (the report has it too)')
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
        wireSample: true,
        micro:
          profile.micro && flags.micro
            ? async (log) => {
                const { runMicroBenchmarks } = await import('../bench/micro/index.ts');
                log('serialization micro-benchmarks');
                return runMicroBenchmarks({ scale: flags.scale, seed: flags.seed, timeMs: 500 });
              }
            : undefined,
        evolution:
          profile.evolution && flags.evolution
            ? async (log) => {
                const { runEvolution } = await import('../bench/evolution/lab.ts');
                log('schema evolution lab');
                return runEvolution();
              }
            : undefined,
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
      const measured = await runShootoutPipeline(options).finally(() => bar?.stop());
      // Thresholds (at the verdict's level) and the figure warnings, before the file is written.
      const results = withAnalysis(measured.results, flags.threshold);
      const file = writeResults(results);
      // GetBook as the measured servers sent it, so that the report needs no server of its own.
      if (measured.wireSample) writeWireSample(dirname(file), measured.wireSample);
      if (flags.json) process.stdout.write(`${JSON.stringify(results)}\n`);
      out.write(
        `${renderSummary(results, { verbose: flags.verbose, colour: colourEnabled(out) })}\n`,
      );
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

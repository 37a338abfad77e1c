// Two runs side by side: per (scenario, variant) and metric, the change from A to B and whether
// the runs can tell it from noise. A change whose min–max ranges over repetitions overlap is
// noise; otherwise it is an improvement or a regression, by the metric's direction. Closed-loop
// figures are compared at the level the verdict reads (scenarioLevel over both runs), every
// level with allLevels.

import type { ScenarioResult, ShootoutResults, Spread } from '../../bench/shootout/results.ts';
import {
  formatNumber,
  formatSpread,
  loopAt,
  overlaps,
  scenarioLevel,
  scenariosOf,
  sortScenarios,
} from './analysis.ts';
import type { Cell } from './content.ts';
import { markdownTable } from './markdown.ts';

export const METRICS = ['throughput', 'p50', 'p99', 'capacity', 'bytes', 'cpu'] as const;
export type MetricName = (typeof METRICS)[number];

export const METRIC_INFO: Record<
  MetricName,
  { label: string; unit: string; better: 'higher' | 'lower' }
> = {
  throughput: { label: 'throughput', unit: 'ops/s', better: 'higher' },
  p50: { label: 'p50', unit: 'ms', better: 'lower' },
  p99: { label: 'p99', unit: 'ms', better: 'lower' },
  capacity: { label: 'capacity', unit: 'req/s', better: 'higher' },
  bytes: { label: 'bytes/op', unit: 'B', better: 'lower' },
  cpu: { label: 'server CPU/op', unit: 'ms', better: 'lower' },
};

/** One figure of one run: where it comes from and its spread. */
interface Figure {
  scenario: string;
  variant: string;
  /** Closed-loop concurrency, for figures measured at several levels. */
  level: number | undefined;
  metric: MetricName;
  spread: Spread;
}

export type ChangeVerdict = 'improvement' | 'regression' | 'noise' | 'only in A' | 'only in B';

export interface Change {
  scenario: string;
  variant: string;
  level: number | undefined;
  metric: MetricName;
  a: Spread | undefined;
  b: Spread | undefined;
  /** (B − A) / A of the medians, in percent. */
  deltaPercent: number | undefined;
  verdict: ChangeVerdict;
  /** How much worse B is than A in percent (positive = worse), by the metric's direction. */
  worsePercent: number | undefined;
  /** Chosen by --metric and past the --fail-on-regression threshold. */
  failed: boolean;
}

const exact = (value: number): Spread => ({ median: value, min: value, max: value, n: 1 });

function usable(s: Spread | undefined): s is Spread {
  return s !== undefined && s.n > 0 && Number.isFinite(s.median);
}

/** A result's figures: its closed loop at `level` (its own highest without it), or every level. */
function figuresOf(r: ScenarioResult, level: number | undefined, allLevels: boolean): Figure[] {
  if (r.status !== 'ok') return [];
  const out: Figure[] = [];
  const add = (metric: MetricName, spread: Spread | undefined, level?: number) => {
    if (usable(spread))
      out.push({ scenario: r.scenario, variant: r.variant, level, metric, spread });
  };
  const read = loopAt(r, level);
  const loops = allLevels ? r.closedLoop : read ? [read] : [];
  for (const loop of loops) {
    add('throughput', loop.throughput, loop.concurrency);
    add('p50', loop.latency.p50, loop.concurrency);
    add('p99', loop.latency.p99, loop.concurrency);
    add('cpu', loop.server?.cpuMsPerOp, loop.concurrency);
  }
  if (r.stream) {
    add('throughput', r.stream.messagesPerSecond);
    add('p50', r.stream.latency.p50);
    add('p99', r.stream.latency.p99);
  }
  if (r.bidi) {
    add('throughput', r.bidi.messagesPerSecond);
    add('p50', r.bidi.roundTrip.p50);
    add('p99', r.bidi.roundTrip.p99);
  }
  add('capacity', r.capacity?.throughput);
  // Byte counts are exact: any difference is a real one.
  const steady = r.wire?.steadyState;
  if (steady) add('bytes', exact(steady.request.total + steady.response.total));
  return out;
}

const keyOf = (f: Pick<Figure, 'scenario' | 'variant' | 'level' | 'metric'>) =>
  `${f.scenario}\u0000${f.variant}\u0000${f.level ?? ''}\u0000${f.metric}`;

/** A chosen metric: `crud-read:p99`, `crud-read@grpc:throughput`, `*:p99`, `nested-naive`. */
export interface MetricSelector {
  source: string;
  scenario: string;
  variant: string | undefined;
  metric: MetricName | undefined;
}

export class SelectorError extends Error {
  override name = 'SelectorError';
}

export function parseMetricSelector(text: string): MetricSelector {
  const match = /^([^@:]+)(?:@([^:]+))?(?::([a-z0-9]+))?$/.exec(text.trim());
  if (!match) {
    throw new SelectorError(
      `--metric "${text}": expected SCENARIO[@VARIANT][:METRIC], e.g. crud-read:p99 or *@grpc:throughput`,
    );
  }
  const [, scenario, variant, metric] = match as unknown as [string, string, string?, string?];
  if (metric !== undefined && !(METRICS as readonly string[]).includes(metric)) {
    throw new SelectorError(
      `--metric "${text}": unknown metric "${metric}"; known: ${METRICS.join(', ')}`,
    );
  }
  return { source: text, scenario, variant, metric: metric as MetricName | undefined };
}

function selects(
  selector: MetricSelector,
  c: Pick<Change, 'scenario' | 'variant' | 'metric'>,
): boolean {
  return (
    (selector.scenario === '*' || selector.scenario === c.scenario) &&
    (selector.variant === undefined || selector.variant === c.variant) &&
    (selector.metric === undefined || selector.metric === c.metric)
  );
}

export interface CompareOptions {
  /** Only these metrics (and only these gate); all when empty. */
  selectors?: MetricSelector[];
  /** Fail (exit 1) on a regression beyond noise worse than this many percent. */
  failOnRegressionPercent?: number | undefined;
  /** Every closed-loop level both runs measured, not only the verdict's. */
  allLevels?: boolean | undefined;
}

export interface Comparison {
  a: { id: string; profile: string; startedAt: string };
  b: { id: string; profile: string; startedAt: string };
  /** Differences in set-up that make a comparison suspect (scale, durations, machine...). */
  notes: string[];
  /**
   * The closed-loop level each scenario is compared at: the highest every variant of both runs
   * was measured at (a variant without it is read at its own highest, which its rows name).
   */
  levels: { scenario: string; concurrency: number }[];
  /** Every level compared, not only `levels`. */
  allLevels: boolean;
  changes: Change[];
  summary: Record<ChangeVerdict, number>;
  threshold: number | undefined;
  failed: Change[];
}

function setupNotes(a: ShootoutResults, b: ShootoutResults): string[] {
  const notes: string[] = [];
  const differ = (what: string, x: unknown, y: unknown) => {
    if (JSON.stringify(x) !== JSON.stringify(y)) {
      notes.push(`the runs differ in ${what}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
    }
  };
  differ('profile', a.run.profile, b.run.profile);
  differ('dataset scale', a.parameters.scale, b.parameters.scale);
  differ('seed', a.parameters.seed, b.parameters.seed);
  differ('duration (ms)', a.parameters.durationMs, b.parameters.durationMs);
  differ('repetitions', a.parameters.repeat, b.parameters.repeat);
  differ('CPU', a.environment.cpuModel, b.environment.cpuModel);
  differ('cores', a.environment.cores, b.environment.cores);
  differ('Node', a.environment.node, b.environment.node);
  differ('pinning', a.parameters.pinning, b.parameters.pinning);
  if (a.parameters.repeat < 2 || b.parameters.repeat < 2) {
    notes.push('a run has fewer than 2 repetitions: without a spread every change looks real');
  }
  return notes;
}

/** Every metric of A and B matched up, with its change and significance. */
export function compareRuns(
  a: ShootoutResults,
  b: ShootoutResults,
  options: CompareOptions = {},
): Comparison {
  const selectors = options.selectors ?? [];
  const threshold = options.failOnRegressionPercent;
  const allLevels = options.allLevels ?? false;
  const order = sortScenarios([...scenariosOf(a), ...scenariosOf(b)]);
  // One rule over both runs: the level every variant of A and of B was measured at.
  const levels = new Map(
    order.map((scenario) => [
      scenario,
      scenarioLevel([...a.results, ...b.results].filter((r) => r.scenario === scenario)),
    ]),
  );
  const figures = (run: ShootoutResults) =>
    new Map(
      run.results
        .flatMap((r) => figuresOf(r, levels.get(r.scenario), allLevels))
        .map((f) => [keyOf(f), f]),
    );
  const figuresA = figures(a);
  const figuresB = figures(b);
  const keys = [...new Set([...figuresA.keys(), ...figuresB.keys()])];
  const variantOrder = [...new Set([...a.parameters.variants, ...b.parameters.variants])];
  const changes: Change[] = [];
  for (const key of keys) {
    const fa = figuresA.get(key);
    const fb = figuresB.get(key);
    const base = (fa ?? fb) as Figure;
    if (selectors.length > 0 && !selectors.some((s) => selects(s, base))) continue;
    const info = METRIC_INFO[base.metric];
    let verdict: ChangeVerdict;
    let deltaPercent: number | undefined;
    let worsePercent: number | undefined;
    if (!fa) verdict = 'only in B';
    else if (!fb) verdict = 'only in A';
    else {
      const x = fa.spread;
      const y = fb.spread;
      deltaPercent = x.median === 0 ? undefined : ((y.median - x.median) / x.median) * 100;
      worsePercent =
        deltaPercent === undefined
          ? undefined
          : info.better === 'lower'
            ? deltaPercent
            : -deltaPercent;
      if (overlaps(x, y)) verdict = 'noise';
      else verdict = (worsePercent ?? 0) > 0 ? 'regression' : 'improvement';
    }
    const failed =
      threshold !== undefined &&
      verdict === 'regression' &&
      worsePercent !== undefined &&
      worsePercent > threshold;
    changes.push({
      scenario: base.scenario,
      variant: base.variant,
      level: base.level,
      metric: base.metric,
      a: fa?.spread,
      b: fb?.spread,
      deltaPercent,
      verdict,
      worsePercent,
      failed,
    });
  }
  changes.sort(
    (x, y) =>
      order.indexOf(x.scenario) - order.indexOf(y.scenario) ||
      variantOrder.indexOf(x.variant) - variantOrder.indexOf(y.variant) ||
      // Closed-loop figures by level first, then the run-wide ones (capacity, bytes).
      (x.level ?? Number.MAX_SAFE_INTEGER) - (y.level ?? Number.MAX_SAFE_INTEGER) ||
      METRICS.indexOf(x.metric) - METRICS.indexOf(y.metric),
  );
  const summary: Record<ChangeVerdict, number> = {
    improvement: 0,
    regression: 0,
    noise: 0,
    'only in A': 0,
    'only in B': 0,
  };
  for (const c of changes) summary[c.verdict] += 1;
  const describe = (r: ShootoutResults) => ({
    id: r.run.id,
    profile: r.run.profile,
    startedAt: r.run.startedAt,
  });
  return {
    a: describe(a),
    b: describe(b),
    notes: setupNotes(a, b),
    levels: [...levels].flatMap(([scenario, concurrency]) =>
      concurrency === undefined ? [] : [{ scenario, concurrency }],
    ),
    allLevels,
    changes,
    summary,
    threshold,
    failed: changes.filter((c) => c.failed),
  };
}

/** Selectors naming a scenario or variant neither run has: a usage error, not an empty table. */
export function checkSelectors(
  selectors: MetricSelector[],
  a: ShootoutResults,
  b: ShootoutResults,
): void {
  const scenarios = new Set([...scenariosOf(a), ...scenariosOf(b)]);
  const variants = new Set([...a.parameters.variants, ...b.parameters.variants]);
  for (const s of selectors) {
    if (s.scenario !== '*' && !scenarios.has(s.scenario)) {
      throw new SelectorError(
        `--metric "${s.source}": no scenario "${s.scenario}" in either run; known: ${[...scenarios].join(', ')}`,
      );
    }
    if (s.variant !== undefined && !variants.has(s.variant)) {
      throw new SelectorError(
        `--metric "${s.source}": no variant "${s.variant}" in either run; known: ${[...variants].join(', ')}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering

export const CHANGE_HEAD = ['scenario', 'variant', 'metric', 'A', 'B', 'change', 'verdict'];

/** "throughput ops/s c=16"; without the level where a heading already names it. */
function metricText(c: Change, shownLevel?: number): string {
  const info = METRIC_INFO[c.metric];
  const level = c.level === undefined || c.level === shownLevel ? '' : ` c=${c.level}`;
  return `${info.label} ${info.unit}${level}`;
}

function deltaText(c: Change): string {
  if (c.deltaPercent === undefined) return '–';
  const sign = c.deltaPercent > 0 ? '+' : c.deltaPercent < 0 ? '−' : '±';
  const size = Math.abs(c.deltaPercent);
  return `${sign}${size >= 100 ? size.toFixed(0) : size.toFixed(1)}%`;
}

function verdictText(c: Change): string {
  if (c.failed) return `${c.verdict} ✗ FAIL`;
  return c.verdict;
}

function figureText(c: Change, s: Spread | undefined): string {
  if (!s) return '–';
  return c.metric === 'bytes' ? `${formatNumber(s.median)} (exact)` : formatSpread(s);
}

export function changeRow(c: Change): string[] {
  return [
    c.scenario,
    c.variant,
    metricText(c),
    figureText(c, c.a),
    figureText(c, c.b),
    deltaText(c),
    verdictText(c),
  ];
}

/** The level a scenario's closed-loop figures are compared at (undefined: none, or every level). */
export function comparedLevel(cmp: Comparison, scenario: string): number | undefined {
  if (cmp.allLevels) return undefined;
  return cmp.levels.find((l) => l.scenario === scenario)?.concurrency;
}

export const GROUPED_HEAD = ['variant', 'metric', 'A', 'B', 'change', 'verdict'];

/** "crud-read at c=16", "crud-read, every level", "server-stream": a scenario's heading. */
export function scenarioHeading(cmp: Comparison, scenario: string): string {
  const level = cmp.levels.find((l) => l.scenario === scenario)?.concurrency;
  if (level === undefined) return scenario;
  return cmp.allLevels ? `${scenario}, every level` : `${scenario} at c=${level}`;
}

/**
 * A change under its scenario's heading (the terminal table): the metric names its level only
 * where it is not the heading's (a variant read at its own highest, or every level).
 */
export function groupedRow(cmp: Comparison, c: Change): string[] {
  return [
    c.variant,
    metricText(c, comparedLevel(cmp, c.scenario)),
    figureText(c, c.a),
    figureText(c, c.b),
    deltaText(c),
    verdictText(c),
  ];
}

/** Which closed-loop level the comparison read, in a sentence. */
export function levelsLine(cmp: Comparison): string {
  if (cmp.levels.length === 0) return 'no closed-loop figures in either run';
  const list = cmp.levels.map((l) => `${l.scenario} c=${l.concurrency}`).join(', ');
  return cmp.allLevels
    ? `closed-loop figures at every level both runs measured (the verdicts read ${list})`
    : `closed-loop figures at the level the verdict reads, the highest every variant of both runs ran: ${list}; --all-levels for every level`;
}

export function summaryLine(cmp: Comparison): string {
  const s = cmp.summary;
  const parts: string[] = [
    `${s.regression} regression${s.regression === 1 ? '' : 's'}`,
    `${s.improvement} improvement${s.improvement === 1 ? '' : 's'}`,
    `${s.noise} within noise`,
  ];
  if (s['only in A'] + s['only in B'] > 0) {
    parts.push(`${s['only in A']} only in A`, `${s['only in B']} only in B`);
  }
  const gate =
    cmp.threshold === undefined
      ? 'no regression gate'
      : cmp.failed.length > 0
        ? `FAIL: ${cmp.failed.length} regression${cmp.failed.length === 1 ? '' : 's'} worse than ${cmp.threshold}%`
        : `pass: no regression worse than ${cmp.threshold}%`;
  return `${parts.join(', ')}; ${gate}`;
}

/** Figures only one run has, one line per side: they are not changes, and would flood the table. */
export function unmatchedLines(cmp: Comparison): string[] {
  const lines: string[] = [];
  for (const side of ['only in A', 'only in B'] as const) {
    const list = cmp.changes.filter((c) => c.verdict === side);
    if (list.length === 0) continue;
    const names = [...new Set(list.map((c) => `${c.scenario}@${c.variant}`))];
    const shown = names.slice(0, 12).join(', ');
    lines.push(
      `${side}: ${list.length} figure${list.length === 1 ? '' : 's'} of ${shown}${names.length > 12 ? `, and ${names.length - 12} more` : ''}`,
    );
  }
  return lines;
}

/** The rows a table shows: figures both runs have. */
export function matchedChanges(cmp: Comparison): Change[] {
  return cmp.changes.filter((c) => c.a !== undefined && c.b !== undefined);
}

export function renderCompareMarkdown(cmp: Comparison): string {
  const lines = [
    `# wirebench compare`,
    '',
    `A: \`${cmp.a.id}\` (${cmp.a.profile}, ${cmp.a.startedAt}) → B: \`${cmp.b.id}\` (${cmp.b.profile}, ${cmp.b.startedAt})`,
    '',
    `**${summaryLine(cmp)}**`,
    '',
    'Cells: median of the repetitions (min–max). A change whose ranges overlap is noise; bytes are exact counts.',
    '',
    `${levelsLine(cmp).replace('--all-levels', '`--all-levels`')}.`,
    '',
  ];
  if (cmp.notes.length > 0) lines.push(...cmp.notes.map((n) => `> note: ${n}`), '');
  const rows = matchedChanges(cmp).map((c) => {
    const row: Cell[] = changeRow(c);
    const verdict = row[6] as string;
    row[6] = c.verdict === 'regression' ? { text: verdict, tone: 'bad' } : verdict;
    return row;
  });
  lines.push(markdownTable(CHANGE_HEAD, rows, [false, false, false, true, true, true, false]));
  const unmatched = unmatchedLines(cmp);
  if (unmatched.length > 0) lines.push('', ...unmatched.map((l) => `- ${l}`));
  return `${lines.join('\n')}\n`;
}

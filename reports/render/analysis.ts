// Reading a run, for every output that reads one (the report, `wirebench compare`, the terminal
// summary, thresholds, the docs' figures): which pattern a scenario serves, the one rule for the
// closed-loop level a figure is read at, the figure a verdict ranks by, whether two spreads are
// told apart (their min–max ranges do not overlap), thresholds and figure-derived warnings, and
// the number formatting they all share.

import { loadScenarios } from '../../bench/scenarios/index.ts';
import type {
  ClosedLoopFigures,
  LatencyFigures,
  ScenarioResult,
  ShootoutResults,
  Spread,
  ThresholdResult,
} from '../../bench/shootout/results.ts';
import {
  evaluateThresholds,
  parseThreshold,
  THRESHOLD_METRICS,
  type Threshold,
  type ThresholdMetric,
  type ThresholdSubject,
} from '../../bench/shootout/thresholds.ts';

/** The patterns of DESIGN.md, in its order: the rows of the verdict. */
export const PATTERNS = [
  'crud',
  'nested',
  'large payload',
  'streaming updates',
  'client streaming',
  'bidirectional',
] as const;

interface ScenarioInfo {
  pattern: string;
  description: string;
  order: number;
}

let known: Map<string, ScenarioInfo> | undefined;

function scenarioTable(): Map<string, ScenarioInfo> {
  if (!known) {
    known = new Map();
    try {
      loadScenarios().forEach((s, order) => {
        known?.set(s.name, { pattern: s.pattern, description: s.description, order });
      });
    } catch {
      // A scenario folder that does not parse must not stop a report of an older run.
    }
  }
  return known;
}

/** The pattern a scenario belongs to (its definition's, or a guess from the name for old runs). */
export function patternOf(scenario: string): string {
  const info = scenarioTable().get(scenario);
  if (info) return info.pattern;
  if (scenario.startsWith('crud') || scenario === 'list') return 'crud';
  if (scenario.startsWith('nested')) return 'nested';
  if (scenario.startsWith('large')) return 'large payload';
  if (scenario === 'server-stream') return 'streaming updates';
  if (scenario === 'client-stream') return 'client streaming';
  if (scenario === 'bidi') return 'bidirectional';
  return scenario;
}

export function describeScenario(scenario: string): string {
  return scenarioTable().get(scenario)?.description ?? '';
}

/** Scenario names in pattern order, then definition order, then by name. */
export function sortScenarios(names: Iterable<string>): string[] {
  const table = scenarioTable();
  const rank = (name: string) => {
    const p = (PATTERNS as readonly string[]).indexOf(patternOf(name));
    return (p < 0 ? PATTERNS.length : p) * 1_000 + (table.get(name)?.order ?? 999);
  };
  return [...new Set(names)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function scenariosOf(results: ShootoutResults): string[] {
  return sortScenarios([
    ...results.parameters.scenarios,
    ...results.results.map((r) => r.scenario),
  ]);
}

export function variantsOf(results: ShootoutResults): string[] {
  return [...new Set([...results.parameters.variants, ...results.results.map((r) => r.variant)])];
}

// ---------------------------------------------------------------------------------------------
// Spreads

export function hasSpread(s: Spread | undefined): s is Spread {
  return s !== undefined && s.n > 0 && Number.isFinite(s.median);
}

/** Two figures whose repetitions' ranges overlap cannot be told apart by this run. */
export function overlaps(a: Spread, b: Spread): boolean {
  return a.min <= b.max && b.min <= a.max;
}

export type Significance = 'beyond noise' | 'within noise';

export function significanceOf(a: Spread, b: Spread): Significance {
  return overlaps(a, b) ? 'within noise' : 'beyond noise';
}

// ---------------------------------------------------------------------------------------------
// Formatting

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const a = Math.abs(value);
  if (a >= 1_000) return Math.round(value).toLocaleString('en-US');
  if (a >= 100) return value.toFixed(0);
  if (a >= 10) return value.toFixed(1);
  if (a >= 1) return value.toFixed(2);
  if (a === 0) return '0';
  return value.toPrecision(2);
}

/** "5,200 (5,000–5,400)": the median with its min–max over repetitions, never alone. */
export function formatSpread(s: Spread | undefined, unit = ''): string {
  if (!hasSpread(s)) return '–';
  const m = `${formatNumber(s.median)}${unit}`;
  if (s.n <= 1) return `${m} (n=1, no spread)`;
  return `${m} (${formatNumber(s.min)}–${formatNumber(s.max)})`;
}

export function formatPercent(ratio: number, digits = 0): string {
  if (!Number.isFinite(ratio)) return '–';
  return `${(ratio * 100).toFixed(digits)}%`;
}

/** "69% (66%–72%)": a ratio's spread as percentages. */
export function formatPercentSpread(s: Spread | undefined): string {
  if (!hasSpread(s)) return '–';
  if (s.n <= 1) return `${formatPercent(s.median)} (n=1, no spread)`;
  return `${formatPercent(s.median)} (${formatPercent(s.min)}–${formatPercent(s.max)})`;
}

export function formatBytes(n: number): string {
  return Number.isFinite(n) ? `${Math.round(n).toLocaleString('en-US')} B` : '–';
}

// ---------------------------------------------------------------------------------------------
// Which concurrency: one rule for every output

/**
 * The closed-loop level a scenario is read at, by the verdict, the thresholds, `wirebench
 * compare`, the terminal summary and every single figure the report or the docs pick: the
 * highest level every variant of the scenario was measured at, so that like is compared with
 * like (c=64 for crud-read in the full profile). When the variants share no level, the highest
 * any was measured at. `results` are the scenario's results, of one run or of several; only
 * measured ones (status ok, with closed loops) count. Undefined when none ran a closed loop.
 */
export function scenarioLevel(results: readonly ScenarioResult[]): number | undefined {
  const sets = results
    .filter((r) => r.status === 'ok' && r.closedLoop.length > 0)
    .map((r) => new Set(r.closedLoop.map((l) => l.concurrency)));
  if (sets.length === 0) return undefined;
  const common = [...(sets[0] as Set<number>)].filter((c) => sets.every((s) => s.has(c)));
  const all = sets.flatMap((s) => [...s]);
  return common.length > 0 ? Math.max(...common) : Math.max(...all);
}

/**
 * The closed loop of `result` at `level` (the scenario's, from scenarioLevel); a variant that was
 * not measured there falls back to its own highest level (see isFallback, and say so).
 */
export function loopAt(
  result: ScenarioResult,
  level: number | undefined,
): ClosedLoopFigures | undefined {
  if (result.closedLoop.length === 0) return undefined;
  const exact = result.closedLoop.find((l) => l.concurrency === level);
  if (exact) return exact;
  return [...result.closedLoop].sort((a, b) => b.concurrency - a.concurrency)[0];
}

/** True when `loop` is a variant's own highest level standing in for the scenario's `level`. */
export function isFallback(
  loop: ClosedLoopFigures | undefined,
  level: number | undefined,
): boolean {
  return loop !== undefined && level !== undefined && loop.concurrency !== level;
}

/** The level of every scenario of a run with closed loops, by the rule above. */
export function levelsOf(results: ShootoutResults): Map<string, number | undefined> {
  const levels = new Map<string, number | undefined>();
  for (const scenario of scenariosOf(results)) {
    const level = scenarioLevel(results.results.filter((r) => r.scenario === scenario));
    if (level !== undefined) levels.set(scenario, level);
  }
  return levels;
}

// ---------------------------------------------------------------------------------------------
// Verdicts

export interface RankMetric {
  key: 'throughput' | 'p99' | 'round-trip p99';
  label: string;
  unit: string;
  better: 'higher' | 'lower';
}

const THROUGHPUT: RankMetric = {
  key: 'throughput',
  label: 'throughput',
  unit: ' ops/s',
  better: 'higher',
};
const STREAM_P99: RankMetric = {
  key: 'p99',
  label: 'per-message latency p99',
  unit: ' ms',
  better: 'lower',
};
const BIDI_P99: RankMetric = {
  key: 'round-trip p99',
  label: 'round-trip p99',
  unit: ' ms',
  better: 'lower',
};

export interface Contender {
  variant: string;
  figure: Spread;
  /** The closed-loop level the figure comes from (unary), for its other figures. */
  loop: ClosedLoopFigures | undefined;
  result: ScenarioResult;
}

export interface Verdict {
  pattern: string;
  scenario: string;
  metric: RankMetric;
  /** The closed-loop concurrency compared (scenarioLevel), for unary scenarios. */
  concurrency: number | undefined;
  ranked: Contender[];
  /** Contenders read at their own highest level, not `concurrency` (they were not measured there). */
  fallbacks: { variant: string; concurrency: number }[];
  winner: Contender | undefined;
  runnerUp: Contender | undefined;
  /** The winner's figure divided by the runner-up's (above 1 for throughput, below for a latency). */
  margin: Spread | undefined;
  significance: Significance | 'single variant' | 'no data';
  /** Variants whose figure was limited by the load generator, not the server. */
  generatorBound: string[];
  notApplicable: { variant: string; reason: string }[];
  failed: { variant: string; reason: string }[];
  /** Measured figures that explain the gap (bytes, CPU, queries, stack ceiling). */
  why: string[];
}

function steadyBytes(r: ScenarioResult): number | undefined {
  const w = r.wire?.steadyState;
  return w ? w.request.total + w.response.total : undefined;
}

function explain(winner: Contender, runnerUp: Contender): string[] {
  const why: string[] = [];
  const a = winner.result;
  const b = runnerUp.result;
  const pair = (x: string, y: string) => `${winner.variant} ${x} vs ${runnerUp.variant} ${y}`;
  const bytesA = steadyBytes(a);
  const bytesB = steadyBytes(b);
  if (bytesA !== undefined && bytesB !== undefined) {
    why.push(`bytes/op: ${pair(formatBytes(bytesA), formatBytes(bytesB))}`);
  }
  const cpuA = winner.loop?.server?.cpuMsPerOp;
  const cpuB = runnerUp.loop?.server?.cpuMsPerOp;
  if (hasSpread(cpuA) && hasSpread(cpuB)) {
    why.push(`server CPU/op: ${pair(formatSpread(cpuA, ' ms'), formatSpread(cpuB, ' ms'))}`);
  }
  const qA = winner.loop?.server?.storeQueriesPerOp;
  const qB = runnerUp.loop?.server?.storeQueriesPerOp;
  if (hasSpread(qA) && hasSpread(qB) && qA.median !== qB.median) {
    why.push(`store queries/op: ${pair(formatSpread(qA), formatSpread(qB))}`);
  }
  const capA = a.capacity;
  const capB = b.capacity;
  if (capA?.ceiling && capB?.ceiling) {
    // The framework's own limit beside how much of it each reaches: a protocol cost apart
    // from an implementation cost.
    why.push(
      `hello-world ceiling of the stack: ${capA.ceiling.stack} ${formatSpread(capA.ceiling.throughput, '/s')} vs ${capB.ceiling.stack} ${formatSpread(capB.ceiling.throughput, '/s')}`,
    );
    if (capA.ratioToCeiling && capB.ratioToCeiling) {
      why.push(
        `server-only capacity as a share of it: ${pair(formatPercentSpread(capA.ratioToCeiling), formatPercentSpread(capB.ratioToCeiling))}`,
      );
    }
  }
  if (a.stream && b.stream) {
    why.push(
      `first message: ${pair(formatSpread(a.stream.firstMessageMs, ' ms'), formatSpread(b.stream.firstMessageMs, ' ms'))}`,
    );
  }
  if (a.bidi && b.bidi) {
    why.push(
      `fan-out p99: ${pair(formatSpread(a.bidi.fanOut.p99, ' ms'), formatSpread(b.bidi.fanOut.p99, ' ms'))}`,
    );
  }
  return why;
}

function contenderOf(r: ScenarioResult, level: number | undefined): Contender | undefined {
  if (r.status !== 'ok') return undefined;
  if (r.bidi)
    return { variant: r.variant, figure: r.bidi.roundTrip.p99, loop: undefined, result: r };
  if (r.stream)
    return { variant: r.variant, figure: r.stream.latency.p99, loop: undefined, result: r };
  const loop = loopAt(r, level);
  if (!loop || !hasSpread(loop.throughput)) return undefined;
  return { variant: r.variant, figure: loop.throughput, loop, result: r };
}

/** The verdict for one scenario: ranked by its stated metric, margin, and noise. */
export function verdictOf(scenario: string, scenarioResults: ScenarioResult[]): Verdict {
  const ok = scenarioResults.filter((r) => r.status === 'ok');
  const metric = ok.some((r) => r.bidi)
    ? BIDI_P99
    : ok.some((r) => r.stream)
      ? STREAM_P99
      : THROUGHPUT;
  const level = metric === THROUGHPUT ? scenarioLevel(ok) : undefined;
  const contenders = ok
    .map((r) => contenderOf(r, level))
    .filter((c): c is Contender => c !== undefined && hasSpread(c.figure));
  const ranked = contenders.sort((x, y) =>
    metric.better === 'higher'
      ? y.figure.median - x.figure.median
      : x.figure.median - y.figure.median,
  );
  const [winner, runnerUp] = ranked;
  // The winner's figure over the runner-up's, with the worst and best pairing of their
  // repetitions as its range: a range that crosses 1 is the same as overlapping spreads.
  const margin: Spread | undefined =
    winner && runnerUp
      ? {
          median: winner.figure.median / runnerUp.figure.median,
          min: winner.figure.min / runnerUp.figure.max,
          max: winner.figure.max / runnerUp.figure.min,
          n: Math.min(winner.figure.n, runnerUp.figure.n),
        }
      : undefined;
  return {
    pattern: patternOf(scenario),
    scenario,
    metric,
    concurrency: level,
    ranked,
    fallbacks: ranked.flatMap((c) =>
      c.loop && isFallback(c.loop, level)
        ? [{ variant: c.variant, concurrency: c.loop.concurrency }]
        : [],
    ),
    winner,
    runnerUp,
    margin,
    significance: !winner
      ? 'no data'
      : !runnerUp
        ? 'single variant'
        : significanceOf(winner.figure, runnerUp.figure),
    generatorBound: ranked.filter((c) => c.loop?.bottleneck === 'generator').map((c) => c.variant),
    notApplicable: scenarioResults
      .filter((r) => r.status === 'n/a')
      .map((r) => ({ variant: r.variant, reason: r.reason ?? 'not applicable' })),
    failed: scenarioResults
      .filter((r) => r.status === 'error')
      .map((r) => ({ variant: r.variant, reason: r.reason ?? 'failed' })),
    why: winner && runnerUp ? explain(winner, runnerUp) : [],
  };
}

export function verdictsOf(results: ShootoutResults): Verdict[] {
  return scenariosOf(results)
    .map((scenario) =>
      verdictOf(
        scenario,
        results.results.filter((r) => r.scenario === scenario),
      ),
    )
    .filter((v) => v.ranked.length > 0 || v.notApplicable.length > 0 || v.failed.length > 0);
}

function signedPercent(ratio: number): string {
  const pct = (ratio - 1) * 100;
  const text = Math.abs(pct) >= 10 ? Math.abs(pct).toFixed(0) : Math.abs(pct).toFixed(1);
  return `${pct < 0 ? '−' : '+'}${text}%`;
}

/**
 * "+21% (+11% to +32%)": the winner's figure against the runner-up's, with the range the
 * repetitions allow (negative for a latency, where lower wins).
 */
export function formatMargin(v: Verdict): string {
  const m = v.margin;
  if (!m) return '–';
  return `${signedPercent(m.median)} (${signedPercent(m.min)} to ${signedPercent(m.max)})`;
}

/** "21% more throughput", "16% lower round-trip p99": the margin in words. */
export function describeAdvantage(v: Verdict): string {
  const m = v.margin;
  if (!m) return '';
  const pct = Math.abs((m.median - 1) * 100).toFixed(0);
  return v.metric.better === 'higher'
    ? `${pct}% more ${v.metric.label}`
    : `${pct}% lower ${v.metric.label}`;
}

export function describeMetric(v: Verdict): string {
  return v.concurrency === undefined ? v.metric.label : `${v.metric.label} at c=${v.concurrency}`;
}

// ---------------------------------------------------------------------------------------------
// Thresholds and figure-derived warnings: what the run's figures say once it is over

/** The figures a threshold reads for one result: at the scenario's level, or its stream's. */
function thresholdSubject(r: ScenarioResult, level: number | undefined): ThresholdSubject {
  const latencyFigure = (l: LatencyFigures, metric: ThresholdMetric) =>
    metric === 'rps' || metric === 'errors' ? undefined : l[metric].median;
  const streamed = r.bidi?.roundTrip ?? r.stream?.latency;
  if (streamed) {
    const rate = (r.bidi?.messagesPerSecond ?? r.stream?.messagesPerSecond)?.median;
    return {
      scenario: r.scenario,
      variant: r.variant,
      concurrency: undefined,
      figure: (metric) => (metric === 'rps' ? rate : latencyFigure(streamed, metric)),
    };
  }
  const loop = loopAt(r, level);
  return {
    scenario: r.scenario,
    variant: r.variant,
    concurrency: loop?.concurrency,
    figure: (metric) => {
      if (!loop) return undefined;
      if (metric === 'rps') return loop.throughput.median;
      if (metric === 'errors') {
        const errors = Object.values(loop.errors).reduce((a, b) => a + b, 0);
        return errors / Math.max(1, loop.ops + errors);
      }
      return latencyFigure(loop.latency, metric);
    },
  };
}

/**
 * Every threshold against every matching result, each read at its scenario's level (the
 * verdict's), a stream at its per-message (bidi: round-trip) figures. The outcome records the
 * level it read.
 */
export function evaluateRunThresholds(
  results: ShootoutResults,
  thresholds: readonly Threshold[],
): ThresholdResult[] {
  const levels = levelsOf(results);
  const subjects = results.results
    .filter((r) => r.status === 'ok')
    .map((r) => thresholdSubject(r, levels.get(r.scenario)));
  return evaluateThresholds([...thresholds], subjects).map((o) => ({
    source: o.threshold.source,
    variant: o.variant,
    ...(o.concurrency === undefined ? {} : { concurrency: o.concurrency }),
    actual: o.actual,
    passed: o.passed,
  }));
}

export type FigureWarningKind =
  | 'closed-loop generator'
  | 'open-loop rate'
  | 'capacity errors'
  | 'capacity generator';

export interface FigureWarning {
  kind: FigureWarningKind;
  variant: string;
  scenario: string;
  /** The closed-loop level, for a closed-loop warning. */
  concurrency?: number;
  text: string;
}

/** The warnings a run's figures call for: a saturated generator, a rate not kept, failures. */
export function figureWarnings(results: ShootoutResults): FigureWarning[] {
  const out: FigureWarning[] = [];
  for (const r of results.results) {
    const { variant, scenario } = r;
    for (const loop of r.closedLoop) {
      if (loop.bottleneck === 'generator') {
        out.push({
          kind: 'closed-loop generator',
          variant,
          scenario,
          concurrency: loop.concurrency,
          text: `${variant} ${scenario} c=${loop.concurrency}: the load generator saturated first`,
        });
      }
    }
    const open = r.openLoop;
    if (open && (open.bottleneck === 'generator' || open.achievedRate.median < 0.95 * open.rate)) {
      out.push({
        kind: 'open-loop rate',
        variant,
        scenario,
        text: `${variant} ${scenario} open loop: achieved ${Math.round(open.achievedRate.median)}/s of ${open.rate}/s; the client could not keep the rate, so corrected latency includes its own backlog`,
      });
    }
    if (r.capacity && r.capacity.errors > 0) {
      out.push({
        kind: 'capacity errors',
        variant,
        scenario,
        text: `${variant} ${scenario} capacity: ${r.capacity.errors} failed responses, not counted in its capacity`,
      });
    }
    if (r.capacity?.bottleneck === 'generator') {
      out.push({
        kind: 'capacity generator',
        variant,
        scenario,
        text: `${variant} ${scenario} capacity: the load generator saturated first; not the server's capacity`,
      });
    }
  }
  return out;
}

export interface RunAnalysis {
  thresholds: ThresholdResult[];
  warnings: string[];
}

/** Thresholds at the rule's level and the figure-derived warnings of a finished run. */
export function analyzeRun(
  results: ShootoutResults,
  thresholds: readonly Threshold[],
): RunAnalysis {
  return {
    thresholds: evaluateRunThresholds(results, thresholds),
    warnings: figureWarnings(results).map((w) => w.text),
  };
}

/**
 * The run with its analysis merged in, as results.json keeps it: the thresholds evaluated here
 * (replacing any the run carried), the figure warnings after the run's own, each once.
 */
export function withAnalysis(
  results: ShootoutResults,
  thresholds: readonly Threshold[],
): ShootoutResults {
  const analysis = analyzeRun(results, thresholds);
  return {
    ...results,
    thresholds: analysis.thresholds,
    warnings: [...new Set([...results.warnings, ...analysis.warnings])],
  };
}

/** The unit a threshold's figure is in, from its source expression ('' when it does not parse). */
function thresholdMetricOf(source: string): ThresholdMetric | undefined {
  try {
    return parseThreshold(source).metric;
  } catch {
    return undefined;
  }
}

/**
 * "threshold crud-read:p99<20ms [grpc] at c=64: passed (actual 4.1 ms)"; the level is said where
 * the run recorded it (not in v1 runs), and a variant read at its own highest says so.
 */
export function describeThreshold(
  t: ThresholdResult,
  levels: ReadonlyMap<string, number | undefined> = new Map(),
): string {
  const metric = thresholdMetricOf(t.source);
  const scenario = /^[\w.-]+/.exec(t.source)?.[0] ?? '';
  const level = levels.get(scenario);
  const at =
    t.concurrency === undefined
      ? ''
      : t.concurrency !== level && level !== undefined
        ? ` at c=${t.concurrency}, its highest (the others at c=${level})`
        : ` at c=${t.concurrency}`;
  const kind = metric === undefined ? undefined : THRESHOLD_METRICS[metric];
  const actual =
    t.actual === undefined
      ? 'not measured'
      : kind === 'ratio'
        ? formatPercent(t.actual, 2)
        : kind === 'ms'
          ? `${formatNumber(t.actual)} ms`
          : kind === 'ops/s'
            ? `${formatNumber(t.actual)}/s`
            : formatNumber(t.actual);
  return `threshold ${t.source} [${t.variant}]${at}: ${t.passed ? 'passed' : 'BROKEN'} (actual ${actual})`;
}

// ---------------------------------------------------------------------------------------------
// Where a run's wall time went

/** Wall time per phase, summed over the server groups, in the order the phases first ran. */
export function phaseTimes(results: ShootoutResults): { name: string; wallMs: number }[] {
  const byName = new Map<string, number>();
  for (const phase of results.run.phases) {
    byName.set(phase.name, (byName.get(phase.name) ?? 0) + phase.wallMs);
  }
  return [...byName].map(([name, wallMs]) => ({ name, wallMs }));
}

/** "scenarios 95 s, capacity 21 s, ...", or undefined for a run that recorded no phases. */
export function formatPhaseTimes(results: ShootoutResults): string | undefined {
  const times = phaseTimes(results);
  if (times.length === 0) return undefined;
  return times.map((t) => `${t.name} ${formatNumber(t.wallMs / 1_000)} s`).join(', ');
}

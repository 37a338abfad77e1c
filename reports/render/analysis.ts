// Reading a run: which pattern a scenario serves, the figure a verdict ranks by, whether two
// spreads are told apart by the run (their min–max ranges do not overlap), and number
// formatting shared by the report and `wirebench compare`.

import { loadScenarios } from '../../bench/scenarios/index.ts';
import type {
  ClosedLoopFigures,
  ScenarioResult,
  ShootoutResults,
  Spread,
} from '../../bench/shootout/results.ts';

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
  /** The closed-loop concurrency compared, for unary scenarios. */
  concurrency: number | undefined;
  ranked: Contender[];
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

/**
 * The level every variant was measured at, the highest such: the verdict compares like with
 * like; a variant without it falls back to its own highest level.
 */
export function verdictLevel(results: ScenarioResult[]): number | undefined {
  const sets = results
    .filter((r) => r.closedLoop.length > 0)
    .map((r) => new Set(r.closedLoop.map((l) => l.concurrency)));
  if (sets.length === 0) return undefined;
  const common = [...(sets[0] as Set<number>)].filter((c) => sets.every((s) => s.has(c)));
  const all = sets.flatMap((s) => [...s]);
  return common.length > 0 ? Math.max(...common) : Math.max(...all);
}

export function loopAt(
  result: ScenarioResult,
  level: number | undefined,
): ClosedLoopFigures | undefined {
  if (result.closedLoop.length === 0) return undefined;
  const exact = result.closedLoop.find((l) => l.concurrency === level);
  if (exact) return exact;
  return [...result.closedLoop].sort((a, b) => b.concurrency - a.concurrency)[0];
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
  const level = metric === THROUGHPUT ? verdictLevel(ok) : undefined;
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

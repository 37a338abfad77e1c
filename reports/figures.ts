// Figures cited in prose (README, docs/) come from the reference run, never from a keyboard.
// A citation is a pair of HTML comments around the figure, invisible once rendered:
//
//   <!-- fig crud-read/grpc/rps -->5,120 ops/s (5,010–5,230)<!-- /fig -->
//   <!-- figs headline -->
//   (a generated table)
//   <!-- /figs -->
//
// `npm run docs:figures` fills every citation from reports/reference/results.json, and
// scripts/doc-figures.spec.ts fails when a citation's text differs from what the reference run
// says, when a key names nothing in it, or when a measured-looking number stands outside a
// citation. The keys are listed in FIGURE_KEYS_HELP.

import { OUTCOMES } from '../bench/evolution/classify.ts';
import type { Direction } from '../bench/evolution/results.ts';
import type {
  ClosedLoopFigures,
  LatencyFigures,
  ScenarioResult,
  ShootoutResults,
  Spread,
  WireLayers,
} from '../bench/shootout/results.ts';
import {
  describeMetric,
  formatBytes,
  formatMargin,
  formatNumber,
  formatPercentSpread,
  formatSpread,
  hasSpread,
  loopAt,
  scenarioLevel,
  verdictOf,
  verdictsOf,
} from './render/analysis.ts';
import { exchangeLabel, outcomeCounts } from './render/evolution.ts';
import { markdownTable } from './render/markdown.ts';

export const FIGURE_KEYS_HELP = `figure keys (S a scenario, V a variant, cN a closed-loop concurrency, default the verdict's):
  S/V/rps[/cN]            closed-loop throughput, ops/s
  S/V/p50[/cN], p99, p999 closed-loop latency, ms
  S/V/cpu[/cN]            server CPU per operation, ms
  S/V/queries[/cN]        store queries per operation
  S/V/bytes               bytes per operation on a warm connection (both directions)
  S/V/bytes-first         the same on a new connection
  S/V/bytes-gzip, response-body-gzip   warm call against a server that gzips responses
  S/V/request-bytes, response-bytes, response-body, response-headers, request-headers (warm)
  S/V/capacity            server-only capacity, req/s
  S/V/ceiling-share       capacity as a share of its stack's hello-world ceiling
  S/V/open-p99, open-p99-uncorrected   open-loop latency (corrected for coordinated omission or not)
  S/V/stream-p99, first-message, stream-rate    server-stream figures
  S/V/roundtrip-p99, fanout-p99                  bidirectional figures
  ratio/S/VA/VB/METRIC[/cN]  VA's median over VB's, with the range the repetitions allow
  winner/S, runner-up/S, margin/S, noise/S       the verdict of a scenario
  ceiling/STACK           hello-world ceiling of a stack, req/s
  h2load/SERVER           our HTTP/2 generator's throughput over h2load's (SERVER: grpc-js)
  micro/PAYLOAD/CODEC/encode|decode   serialization ops/s
  size/PAYLOAD/CODEC/raw|gzip|brotli  encoded size
  evolve/CHANGE/VARIANT/old-new|new-old/read|write   an evolution cell (works, silent loss, loud: CODE, ...)
  evolve/CHANGE/checker/NAME                        a static checker's verdict (buf-breaking-WIRE, graphql-inspector, ...)
  evolve/count/OUTCOME                              cross-version exchanges with that outcome
  run/id, run/profile, run/wall, env/cpu, env/node, env/cores, env/memory
tables: headline, bytes-getbook`;

export class FigureError extends Error {
  override name = 'FigureError';
}

function fail(key: string, why: string): never {
  throw new FigureError(`figure "${key}": ${why}`);
}

function resultOf(results: ShootoutResults, key: string, scenario: string, variant: string) {
  const r = results.results.find((x) => x.scenario === scenario && x.variant === variant);
  if (!r) fail(key, `no result for scenario ${scenario} and variant ${variant}`);
  if (r.status !== 'ok') fail(key, `${scenario} on ${variant} is ${r.status}: ${r.reason ?? ''}`);
  return r;
}

/** The level a key names (cN), or the scenario's by the one rule (scenarioLevel) without one. */
function levelOf(key: string, results: ShootoutResults, scenario: string, cArg?: string) {
  if (cArg === undefined) {
    return { level: scenarioLevel(results.results.filter((x) => x.scenario === scenario)) };
  }
  const m = /^c(\d+)$/.exec(cArg);
  if (!m) fail(key, `"${cArg}" is not a concurrency like c16`);
  return { level: Number(m[1]), exact: true };
}

/** The closed loop a key reads: the named level exactly, or the rule's (with its fallback). */
function loopOf(
  key: string,
  r: ScenarioResult,
  { level, exact }: { level: number | undefined; exact?: boolean },
): ClosedLoopFigures {
  const loop = loopAt(r, level);
  if (!loop || (exact && loop.concurrency !== level)) {
    fail(key, `no closed-loop figures at c=${level}`);
  }
  return loop;
}

function need<T>(key: string, value: T | undefined, what: string): T {
  if (value === undefined) fail(key, `the run has no ${what}`);
  return value;
}

const sumLayers = (a: WireLayers, b: WireLayers) => a.total + b.total;

/** A numeric figure with its spread (n = 0 for exact counts), for figures and ratios. */
interface Numeric {
  spread: Spread;
  unit: string;
  /** Exact (bytes, counts): no spread to show. */
  exact?: boolean;
  percent?: boolean;
}

const exact = (value: number, unit: string): Numeric => ({
  spread: { median: value, min: value, max: value, n: 1 },
  unit,
  exact: true,
});

function latencyOf(l: LatencyFigures, p: string): Spread {
  if (p === 'p50') return l.p50;
  if (p === 'p99') return l.p99;
  return l.p999;
}

function numericFigure(results: ShootoutResults, key: string, parts: string[]): Numeric {
  const [scenario, variant, metric, cArg] = parts;
  if (!scenario || !variant || !metric) fail(key, 'expected SCENARIO/VARIANT/METRIC');
  const r = resultOf(results, key, scenario, variant);
  const loop = () => loopOf(key, r, levelOf(key, results, scenario, cArg));
  const warm = () => need(key, r.wire, 'wire figures').steadyState;
  switch (metric) {
    case 'rps':
      return { spread: loop().throughput, unit: ' ops/s' };
    case 'p50':
    case 'p99':
    case 'p999':
      return { spread: latencyOf(loop().latency, metric), unit: ' ms' };
    case 'cpu':
      return { spread: need(key, loop().server, 'server figures').cpuMsPerOp, unit: ' ms' };
    case 'queries':
      return {
        spread: need(key, loop().server, 'server figures').storeQueriesPerOp,
        unit: '',
      };
    case 'bytes':
      return exact(sumLayers(warm().request, warm().response), ' B');
    case 'bytes-first': {
      const first = need(key, r.wire, 'wire figures').firstCall;
      return exact(sumLayers(first.request, first.response), ' B');
    }
    case 'bytes-gzip': {
      const z = need(key, r.wireCompressed, 'gzip wire figures').steadyState;
      return exact(sumLayers(z.request, z.response), ' B');
    }
    case 'response-body-gzip':
      return exact(
        need(key, r.wireCompressed, 'gzip wire figures').steadyState.response.body,
        ' B',
      );
    case 'request-bytes':
      return exact(warm().request.total, ' B');
    case 'response-bytes':
      return exact(warm().response.total, ' B');
    case 'response-body':
      return exact(warm().response.body, ' B');
    case 'response-headers':
      return exact(warm().response.headers + warm().response.trailers, ' B');
    case 'request-headers':
      return exact(warm().request.headers, ' B');
    case 'capacity':
      return { spread: need(key, r.capacity, 'capacity figures').throughput, unit: ' req/s' };
    case 'ceiling-share':
      return {
        spread: need(key, r.capacity?.ratioToCeiling, 'ceiling ratio'),
        unit: '',
        percent: true,
      };
    case 'open-p99':
      return { spread: need(key, r.openLoop, 'open-loop figures').corrected.p99, unit: ' ms' };
    case 'open-p99-uncorrected':
      return {
        spread: need(key, r.openLoop, 'open-loop figures').uncorrected.p99,
        unit: ' ms',
      };
    case 'stream-p99':
      return { spread: need(key, r.stream, 'stream figures').latency.p99, unit: ' ms' };
    case 'first-message':
      return { spread: need(key, r.stream, 'stream figures').firstMessageMs, unit: ' ms' };
    case 'stream-rate':
      return {
        spread: need(key, r.stream, 'stream figures').messagesPerSecond,
        unit: ' msg/s',
      };
    case 'roundtrip-p99':
      return { spread: need(key, r.bidi, 'bidi figures').roundTrip.p99, unit: ' ms' };
    case 'fanout-p99':
      return { spread: need(key, r.bidi, 'bidi figures').fanOut.p99, unit: ' ms' };
    default:
      fail(key, `unknown metric "${metric}"`);
  }
}

function formatNumeric(n: Numeric): string {
  if (n.percent) return formatPercentSpread(n.spread);
  if (n.exact)
    return n.unit === ' B' ? formatBytes(n.spread.median) : formatNumber(n.spread.median);
  if (!hasSpread(n.spread)) return '–';
  return formatSpread(n.spread, n.unit);
}

function formatRatio(a: Spread, b: Spread): string {
  const median = a.median / b.median;
  const lo = a.min / b.max;
  const hi = a.max / b.min;
  const f = (x: number) => (x >= 10 ? x.toFixed(0) : x.toFixed(2));
  return lo === hi ? `${f(median)}×` : `${f(median)}× (${f(lo)}–${f(hi)})`;
}

function microOf(results: ShootoutResults, key: string, payload?: string, codec?: string) {
  const rows = results.micro.filter((m) => m.payload === payload && m.codec === codec);
  if (rows.length === 0) fail(key, `no micro-benchmark of ${payload} with ${codec}`);
  return rows;
}

/** The text of one inline figure. Throws FigureError when the run does not have it. */
export function figureText(results: ShootoutResults, key: string): string {
  const parts = key.split('/');
  const [head, ...rest] = parts;
  switch (head) {
    case 'ratio': {
      const [scenario, a, b, metric, c] = rest;
      if (!scenario || !a || !b || !metric) fail(key, 'expected ratio/SCENARIO/VA/VB/METRIC');
      const tail = c === undefined ? [metric] : [metric, c];
      const x = numericFigure(results, key, [scenario, a, ...tail]);
      const y = numericFigure(results, key, [scenario, b, ...tail]);
      return formatRatio(x.spread, y.spread);
    }
    case 'winner':
    case 'runner-up':
    case 'margin':
    case 'noise': {
      const [scenario] = rest;
      const v = verdictOf(
        scenario ?? '',
        results.results.filter((r) => r.scenario === scenario),
      );
      if (!v.winner) fail(key, `no verdict for scenario ${scenario}`);
      if (head === 'winner') return v.winner.variant;
      if (!v.runnerUp) fail(key, `scenario ${scenario} has a single contender`);
      if (head === 'noise') return v.significance;
      return head === 'runner-up' ? v.runnerUp.variant : formatMargin(v);
    }
    case 'ceiling': {
      const c = results.ceilings.find((x) => x.stack === rest.join('/'));
      if (!c) fail(key, `no ceiling for stack ${rest.join('/')}`);
      return formatSpread(c.throughput, ' req/s');
    }
    case 'h2load': {
      const check = results.h2loadChecks.find((c) => c.target.split(' ')[0] === rest.join('/'));
      if (!check) fail(key, `no h2load check of "${rest.join('/')}"`);
      return formatRatio(check.ratio, { median: 1, min: 1, max: 1, n: 1 });
    }
    case 'micro': {
      const [payload, codec, op] = rest;
      const row = microOf(results, key, payload, codec).find((m) => m.operation === op);
      if (!row) fail(key, `no ${op} figure`);
      return `${formatNumber(row.opsPerSecond)} ops/s (±${row.marginPercent.toFixed(1)}%)`;
    }
    case 'size': {
      const [payload, codec, kind] = rest;
      const row = microOf(results, key, payload, codec)[0];
      if (!row || (kind !== 'raw' && kind !== 'gzip' && kind !== 'brotli')) {
        fail(key, 'expected size/PAYLOAD/CODEC/raw|gzip|brotli');
      }
      return formatBytes(row.bytes[kind]);
    }
    case 'evolve':
      return evolutionFigure(results, key, rest);
    case 'run': {
      const [what] = rest;
      if (what === 'id') return results.run.id;
      if (what === 'profile') return results.run.profile;
      if (what === 'wall') return `${Math.round(results.run.wallMs / 60_000)} min`;
      return fail(key, `unknown run field "${what}"`);
    }
    case 'env': {
      const env = results.environment;
      const [what] = rest;
      if (what === 'cpu') return env.cpuModel;
      if (what === 'node') return env.node;
      if (what === 'cores') return String(env.cores);
      if (what === 'memory') return `${Math.round(env.memoryGiB)} GiB`;
      return fail(key, `unknown environment field "${what}"`);
    }
    default:
      return formatNumeric(numericFigure(results, key, parts));
  }
}

const DIRECTION_KEYS: Record<string, Direction> = {
  'old-new': 'old-client-new-server',
  'new-old': 'new-client-old-server',
};

/** evolve/CHANGE/VARIANT/old-new|new-old/read|write, evolve/CHANGE/checker/NAME, evolve/count/OUTCOME. */
function evolutionFigure(results: ShootoutResults, key: string, rest: string[]): string {
  const evolution = results.evolution;
  if (!evolution) fail(key, 'the run carries no evolution lab results');
  const [first, second, third, fourth] = rest;
  if (first === 'count') {
    const outcome = OUTCOMES.find((o) => o === second);
    if (!outcome) fail(key, `unknown outcome "${second}" (${OUTCOMES.join(', ')})`);
    return String(outcomeCounts(evolution.changes.flatMap((c) => c.cells))[outcome]);
  }
  const change = evolution.changes.find((c) => c.name === first);
  if (!change) fail(key, `no change set "${first}" in the evolution results`);
  if (second === 'checker') {
    const name = rest.slice(2).join('/');
    // Keys hold no spaces: 'buf breaking WIRE' is buf-breaking-WIRE.
    const checker = change.checkers.find((c) => c.checker.replaceAll(' ', '-') === name);
    if (!checker) fail(key, `no checker "${name}" for ${first}`);
    return checker.verdict;
  }
  const direction = DIRECTION_KEYS[third ?? ''];
  if (!direction || (fourth !== 'read' && fourth !== 'write'))
    fail(key, 'expected evolve/CHANGE/VARIANT/old-new|new-old/read|write');
  const cell = change.cells.find((c) => c.variant === second && c.direction === direction);
  if (!cell) fail(key, `no ${second} cell for ${first} ${third}`);
  return exchangeLabel(cell[fourth]);
}

// ---------------------------------------------------------------------------------------------
// Tables

function headlineTable(results: ShootoutResults): string {
  const rows = verdictsOf(results)
    .filter((v) => v.winner)
    .map((v) => {
      // A figure the load generator capped is the client's limit: a floor, said so.
      const flag = (variant: string | undefined) =>
        variant !== undefined && v.generatorBound.includes(variant) ? ' ⚠ generator-bound' : '';
      return [
        v.pattern,
        v.scenario,
        v.winner?.variant ?? '–',
        describeMetric(v),
        `${formatSpread(v.winner?.figure, v.metric.unit)}${flag(v.winner?.variant)}`,
        v.runnerUp
          ? `${v.runnerUp.variant}: ${formatSpread(v.runnerUp.figure, v.metric.unit)}${flag(v.runnerUp.variant)}`
          : '–',
        formatMargin(v),
        v.significance,
      ];
    });
  return markdownTable(
    [
      'pattern',
      'scenario',
      'winner',
      'ranked by',
      'winner (median, min–max)',
      'runner-up',
      'margin',
      'noise',
    ],
    rows,
    [false, false, false, false, true, false, true, false],
  );
}

function bytesTable(results: ShootoutResults): string {
  const rows = results.results
    .filter((r) => r.scenario === 'crud-read' && r.status === 'ok' && r.wire)
    .map((r) => {
      const w = r.wire as NonNullable<ScenarioResult['wire']>;
      const warm = w.steadyState;
      return {
        variant: r.variant,
        cells: [
          r.variant,
          formatBytes(warm.request.headers + warm.response.headers + warm.response.trailers),
          formatBytes(warm.request.framing + warm.response.framing),
          formatBytes(warm.request.body + warm.response.body),
          formatBytes(sumLayers(warm.request, warm.response)),
          formatBytes(sumLayers(w.firstCall.request, w.firstCall.response)),
        ],
      };
    })
    .sort((a, b) => a.variant.localeCompare(b.variant))
    .map((x) => x.cells);
  if (rows.length === 0) throw new FigureError('table "bytes-getbook": no crud-read wire figures');
  return markdownTable(
    ['variant', 'headers + trailers', 'framing', 'body', 'warm call', 'first call'],
    rows,
    [false, true, true, true, true, true],
  );
}

export function figureTable(results: ShootoutResults, name: string): string {
  if (name === 'headline') return headlineTable(results);
  if (name === 'bytes-getbook') return bytesTable(results);
  throw new FigureError(`table "${name}": unknown (known: headline, bytes-getbook)`);
}

// ---------------------------------------------------------------------------------------------
// Citations in a text

const INLINE = /<!-- fig ([^\s]+) -->([\s\S]*?)<!-- \/fig -->/g;
const BLOCK = /<!-- figs ([^\s]+) -->\n([\s\S]*?)<!-- \/figs -->/g;

export interface Citation {
  kind: 'fig' | 'figs';
  key: string;
  text: string;
}

export function citationsIn(markdown: string): Citation[] {
  const found: Citation[] = [];
  for (const m of markdown.matchAll(INLINE)) {
    found.push({ kind: 'fig', key: m[1] as string, text: m[2] as string });
  }
  for (const m of markdown.matchAll(BLOCK)) {
    found.push({ kind: 'figs', key: m[1] as string, text: m[2] as string });
  }
  return found;
}

/** The text with every citation filled from the run. Throws FigureError on an unknown key. */
export function fillCitations(markdown: string, results: ShootoutResults): string {
  return markdown
    .replace(
      INLINE,
      (_all, key: string) => `<!-- fig ${key} -->${figureText(results, key)}<!-- /fig -->`,
    )
    .replace(
      BLOCK,
      (_all, key: string) =>
        `<!-- figs ${key} -->\n${figureTable(results, key).trimEnd()}\n<!-- /figs -->`,
    );
}

/**
 * Numbers that look measured (a rate, a latency, a byte count, a share, a ratio) outside any
 * citation: the hand-typed figures the rule forbids. Code (fenced, indented or inline: command
 * lines, flags, examples of output) is left alone, as are citations themselves.
 */
export function uncitedFigures(markdown: string): string[] {
  const stripped = markdown
    .replace(/```[\s\S]*?```/g, '')
    .replace(BLOCK, '')
    .replace(INLINE, '')
    .replace(/`[^`\n]*`/g, '')
    .replace(/^ {4,}\S.*$/gm, '');
  const measured =
    /(?<![\w.-])\d[\d,.]*\s?(?:ops\/s|req\/s|rps|msg\/s|ms|µs|us|ns|×|x faster|x slower|% (?:more|less|fewer|faster|slower|lower|higher))(?![\w])/g;
  return [...stripped.matchAll(measured)].map((m) => m[0]);
}

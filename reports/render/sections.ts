// The report's content as data: sections of paragraphs, tables and charts built from one run.
// The HTML and the markdown renderers both read this, so the two can never say different things.
// A section whose data the run lacks is left out and named in the closing "not in this run" list.

import { decodeHistogram, percentileMs } from '../../bench/load/histogram.ts';
import type {
  LatencyFigures,
  MicroResult,
  ScenarioResult,
  ShootoutResults,
  Spread,
  WireFigures,
  WireLayers,
} from '../../bench/shootout/results.ts';
import { findVariant } from '../../clients/variants.ts';
import {
  describeAdvantage,
  describeMetric,
  describeScenario,
  describeThreshold,
  figureWarnings,
  formatBytes,
  formatMargin,
  formatNumber,
  formatPercent,
  formatPercentSpread,
  formatPhaseTimes,
  formatSpread,
  hasSpread,
  isFallback,
  levelsOf,
  loopAt,
  patternOf,
  scenarioLevel,
  scenariosOf,
  sortScenarios,
  type Verdict,
  variantsOf,
  verdictsOf,
} from './analysis.ts';
import {
  type Chart,
  type CurveSeries,
  lineChart,
  spreadBarChart,
  stackedBytesChart,
} from './charts.ts';
import type { Block, Cell, ReportContent, Section } from './content.ts';
import { buildEvolutionSection } from './evolution.ts';
import type { WireSample } from './wire-sample.ts';

export type { Block, Cell, ReportContent, Section, Tone } from './content.ts';

const LAYERS = ['headers', 'framing', 'body', 'trailers', 'connection'] as const;
const CURVE_POINTS: [string, number][] = [
  ['p50', 50],
  ['p75', 75],
  ['p90', 90],
  ['p95', 95],
  ['p99', 99],
  ['p99.9', 99.9],
  ['p99.99', 99.99],
  ['max', 100],
];
const SPREAD_AT: Record<string, keyof Omit<LatencyFigures, 'histogram'>> = {
  p50: 'p50',
  p90: 'p90',
  p99: 'p99',
  'p99.9': 'p999',
  max: 'max',
};

function byScenario(results: ShootoutResults, scenario: string): ScenarioResult[] {
  const order = variantsOf(results);
  return results.results
    .filter((r) => r.scenario === scenario)
    .sort((a, b) => order.indexOf(a.variant) - order.indexOf(b.variant));
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function spreadCell(s: Spread | undefined, unit = ''): Cell {
  return formatSpread(s, unit);
}

function curveOf(latency: LatencyFigures): number[] {
  try {
    const histogram = decodeHistogram(latency.histogram);
    return CURVE_POINTS.map(([, p]) => percentileMs(histogram, p));
  } catch {
    // An unreadable histogram still leaves the per-repetition percentiles.
    return CURVE_POINTS.map(([label]) => {
      const key = SPREAD_AT[label];
      return key ? latency[key].median : Number.NaN;
    });
  }
}

function curveSeries(name: string, latency: LatencyFigures, dashed = false): CurveSeries {
  return {
    name,
    values: curveOf(latency),
    spreads: CURVE_POINTS.map(([label]) => {
      const key = SPREAD_AT[label];
      return key ? latency[key] : undefined;
    }),
    dashed,
  };
}

function latencyRow(name: string, latency: LatencyFigures, extra: Cell[] = []): Cell[] {
  return [
    name,
    spreadCell(latency.p50),
    spreadCell(latency.p90),
    spreadCell(latency.p99),
    spreadCell(latency.p999),
    spreadCell(latency.max),
    ...extra,
  ];
}

const LATENCY_HEAD = ['variant', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms'];
const LATENCY_NUMERIC = [false, true, true, true, true, true, true];

function errorsText(errors: Record<string, number>): string {
  const list = Object.entries(errors);
  return list.length === 0 ? '0' : list.map(([code, n]) => `${code} ${n}`).join(', ');
}

// ---------------------------------------------------------------------------------------------
// Verdict

function verdictSentence(v: Verdict): string {
  const scenario = `${v.pattern} (${v.scenario})`;
  if (!v.winner) {
    const why = [...v.notApplicable, ...v.failed].map((x) => x.variant).join(', ');
    return `${scenario}: no variant measured${why ? ` (${why} n/a or failed)` : ''}.`;
  }
  if (!v.runnerUp) return `${scenario}: only ${v.winner.variant} was measured.`;
  const bound = [v.winner.variant, v.runnerUp.variant].filter((x) => v.generatorBound.includes(x));
  const flag =
    bound.length > 0
      ? ` ⚠ ${bound.join(' and ')} ${bound.length === 1 ? 'was' : 'were'} limited by the load generator, not the server: its figure is a floor.`
      : '';
  const at = v.concurrency === undefined ? '' : ` at c=${v.concurrency}`;
  const fellBack = v.fallbacks
    .filter((f) => f.variant === v.winner?.variant || f.variant === v.runnerUp?.variant)
    .map(
      (f) =>
        ` ${f.variant} was not measured at c=${v.concurrency}: read at c=${f.concurrency}, its highest.`,
    )
    .join('');
  if (v.significance === 'within noise') {
    return `${scenario}: ${v.winner.variant} and ${v.runnerUp.variant} cannot be told apart by this run (their ${v.metric.label} ranges${at} overlap); on the median ${v.winner.variant} has ${describeAdvantage(v)}.${fellBack}${flag}`;
  }
  return `${scenario}: ${v.winner.variant}, with ${describeAdvantage(v)} than ${v.runnerUp.variant}${at}, beyond the run's noise.${fellBack}${flag}`;
}

function contenderCell(v: Verdict, which: 'winner' | 'runnerUp'): Cell {
  const c = v[which];
  if (!c) return '–';
  const bound = v.generatorBound.includes(c.variant) ? ' ⚠ generator-bound' : '';
  const level =
    c.loop && isFallback(c.loop, v.concurrency) ? ` at c=${c.loop.concurrency} (its highest)` : '';
  return {
    text: `${c.variant}: ${formatSpread(c.figure, v.metric.unit)}${level}${bound}`,
    ...(which === 'winner' ? { tone: 'strong' as const } : {}),
    ...(bound ? { title: 'the load generator, not the server, was the bottleneck' } : {}),
  };
}

function buildVerdictSection(results: ShootoutResults, verdicts: Verdict[]): Section {
  const rows: Cell[][] = verdicts.map((v) => [
    v.pattern,
    v.scenario,
    describeMetric(v),
    contenderCell(v, 'winner'),
    contenderCell(v, 'runnerUp'),
    formatMargin(v),
    {
      text: v.significance,
      tone:
        v.significance === 'beyond noise'
          ? 'good'
          : v.significance === 'within noise'
            ? 'muted'
            : 'warn',
    },
    v.why.join('\n') || '–',
    [
      ...v.notApplicable.map((x) => `${x.variant} n/a`),
      ...v.failed.map((x) => `${x.variant} failed`),
    ].join(', ') || '–',
  ]);
  return {
    id: 'verdict',
    title: 'Verdict per pattern',
    blocks: [
      {
        kind: 'p',
        text: `Ranked by throughput for request/response patterns (closed loop, at the highest concurrency every variant of the scenario ran, named in the metric column; a variant not measured there is read at its own highest, and said so) and by p99 latency for streams. "Beyond noise" means the min–max ranges of the ${results.parameters.repeat} repetitions of winner and runner-up do not overlap; otherwise the run cannot tell them apart.`,
      },
      { kind: 'list', items: verdicts.map(verdictSentence) },
      {
        kind: 'table',
        head: [
          'pattern',
          'scenario',
          'metric',
          'winner: median (min–max)',
          'runner-up',
          'margin',
          'noise',
          'why (measured)',
          'not run',
        ],
        rows,
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Flags and warnings

function buildFlagsSection(results: ShootoutResults): Section | undefined {
  const items: string[] = [];
  const derived = figureWarnings(results);
  // The figure-derived warnings are shown once each: the closed-loop and capacity ones as the
  // report's longer sentences below, the others as they are; results.json's copies of them
  // (written by the run) are not repeated.
  const derivedTexts = new Set(derived.map((w) => w.text));
  for (const r of results.results) {
    for (const loop of r.closedLoop) {
      if (loop.bottleneck === 'generator') {
        items.push(
          `⚠ ${r.variant} ${r.scenario} c=${loop.concurrency}: the load generator was the bottleneck (generator ${formatPercent(loop.generatorUtilisation.median)} of a core, up to ${formatPercent(loop.generatorUtilisation.max)} in a repetition; 90% counts as saturated); the throughput is the client's limit, not the server's.`,
        );
      }
    }
    if (r.capacity?.bottleneck === 'generator') {
      items.push(
        `⚠ ${r.variant} ${r.scenario} capacity: the load generator was the bottleneck; not the server's capacity.`,
      );
    }
    const ratio = r.capacity?.ratioToCeiling;
    if (ratio && ratio.median > 1.05) {
      items.push(
        `⚠ ${r.variant} ${r.scenario} capacity is ${formatPercent(ratio.median)} of the hello-world ceiling of its own stack (${r.capacity?.ceiling?.stack}): impossible for a real server, so one of the two measurements is suspect.`,
      );
    }
    if (r.status === 'error') items.push(`✗ ${r.variant} ${r.scenario} failed: ${r.reason ?? ''}`);
  }
  for (const c of results.ceilings) {
    if (c.bottleneck === 'generator') {
      items.push(
        `⚠ ceiling ${c.stack}: the load generator was the bottleneck; the real ceiling is higher.`,
      );
    }
  }
  for (const w of derived) {
    if (w.kind === 'open-loop rate' || w.kind === 'capacity errors') {
      items.push(`warning: ${w.text}`);
    }
  }
  for (const w of results.warnings) {
    if (!derivedTexts.has(w)) items.push(`warning: ${w}`);
  }
  const levels = levelsOf(results);
  for (const t of results.thresholds) items.push(describeThreshold(t, levels));
  if (items.length === 0) return undefined;
  return {
    id: 'flags',
    title: 'Flags and warnings',
    blocks: [{ kind: 'list', items, tone: 'warn' }],
  };
}

// ---------------------------------------------------------------------------------------------
// Latency

function buildLatencySection(results: ShootoutResults): Section | undefined {
  const blocks: Block[] = [];
  const repeat = results.parameters.repeat;
  const whiskerNote = `line: the ${repeat} repetitions' histograms merged; whiskers: min–max of the repetitions`;
  for (const scenario of scenariosOf(results)) {
    const list = byScenario(results, scenario).filter((r) => r.status === 'ok');
    const charts: Chart[] = [];
    const rows: Cell[][] = [];
    let head = LATENCY_HEAD;
    const streams = list.filter((r) => r.stream);
    const bidis = list.filter((r) => r.bidi);
    const loops = list.filter((r) => r.closedLoop.length > 0);
    if (loops.length > 0) {
      const level = scenarioLevel(loops);
      const series: CurveSeries[] = [];
      const flagged = loops.some((r) => loopAt(r, level)?.bottleneck === 'generator');
      for (const r of loops) {
        const loop = loopAt(r, level);
        if (!loop) continue;
        const label = isFallback(loop, level)
          ? `${r.variant} (c=${loop.concurrency}, its highest)`
          : r.variant;
        series.push(curveSeries(label, loop.latency));
        const flag: Cell =
          loop.bottleneck === 'generator' ? { text: '⚠ generator-bound', tone: 'warn' } : '';
        rows.push(
          latencyRow(label, loop.latency, [errorsText(loop.errors), ...(flagged ? [flag] : [])]),
        );
      }
      head = [...LATENCY_HEAD, 'errors', ...(flagged ? ['flags'] : [])];
      charts.push(
        lineChart({
          id: `latency-${scenario}`,
          title: `${scenario}: latency per operation (ms, log scale)`,
          subtitle: `closed loop, c=${level}; ${whiskerNote}`,
          categories: CURVE_POINTS.map(([l]) => l),
          series,
          log: true,
        }),
      );
    }
    if (streams.length > 0) {
      charts.push(
        lineChart({
          id: `latency-${scenario}`,
          title: `${scenario}: per-message latency (ms, log scale)`,
          subtitle: `publish to receipt, ${streams[0]?.stream?.subscribers ?? '?'} subscribers; ${whiskerNote}`,
          categories: CURVE_POINTS.map(([l]) => l),
          series: streams.map((r) => curveSeries(r.variant, r.stream!.latency)),
          log: true,
        }),
      );
      for (const r of streams) rows.push(latencyRow(r.variant, r.stream!.latency));
    }
    if (bidis.length > 0) {
      charts.push(
        lineChart({
          id: `latency-${scenario}-round-trip`,
          title: `${scenario}: round trip to the sender (ms, log scale)`,
          subtitle: whiskerNote,
          categories: CURVE_POINTS.map(([l]) => l),
          series: bidis.map((r) => curveSeries(r.variant, r.bidi!.roundTrip)),
          log: true,
        }),
        lineChart({
          id: `latency-${scenario}-fan-out`,
          title: `${scenario}: fan-out to every member (ms, log scale)`,
          subtitle: whiskerNote,
          categories: CURVE_POINTS.map(([l]) => l),
          series: bidis.map((r) => curveSeries(r.variant, r.bidi!.fanOut)),
          log: true,
        }),
      );
      head = [...LATENCY_HEAD.map((h, i) => (i === 0 ? h : `round trip ${h}`))];
      for (const r of bidis) rows.push(latencyRow(r.variant, r.bidi!.roundTrip));
    }
    if (charts.length === 0) continue;
    blocks.push({ kind: 'heading', text: scenario });
    const description = describeScenario(scenario);
    if (description) blocks.push({ kind: 'p', text: description, tone: 'note' });
    blocks.push({ kind: 'charts', charts });
    blocks.push({ kind: 'table', head, rows, numeric: LATENCY_NUMERIC });
  }
  if (blocks.length === 0) return undefined;
  return {
    id: 'latency',
    title: 'Latency percentiles',
    blocks: [
      {
        kind: 'p',
        text: 'Each curve is the latency distribution of one variant, from its HDR histogram (all repetitions merged); the whiskers show how far the repetitions disagree. Table cells: median of the repetitions (min–max).',
      },
      ...blocks,
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Throughput

function buildThroughputSection(results: ShootoutResults): Section | undefined {
  const blocks: Block[] = [];
  for (const scenario of scenariosOf(results)) {
    const list = byScenario(results, scenario).filter(
      (r) => r.status === 'ok' && r.closedLoop.length > 0,
    );
    if (list.length === 0) continue;
    const levels = [...new Set(list.flatMap((r) => r.closedLoop.map((l) => l.concurrency)))].sort(
      (a, b) => a - b,
    );
    const at = (r: ScenarioResult, c: number) => r.closedLoop.find((l) => l.concurrency === c);
    const chart =
      levels.length > 1
        ? lineChart({
            id: `throughput-${scenario}`,
            title: `${scenario}: throughput vs concurrency (ops/s)`,
            subtitle: 'closed loop; whiskers: min–max of the repetitions',
            categories: levels.map(String),
            xName: 'concurrency',
            series: list.map((r) => ({
              name: r.variant,
              values: levels.map((c) => at(r, c)?.throughput.median ?? Number.NaN),
              spreads: levels.map((c) => at(r, c)?.throughput),
            })),
          })
        : spreadBarChart({
            id: `throughput-${scenario}`,
            title: `${scenario}: throughput at c=${levels[0]} (ops/s)`,
            subtitle: 'closed loop; whiskers: min–max of the repetitions',
            categories: list.map((r) => r.variant),
            groups: [
              {
                name: 'throughput',
                values: list.map((r) => at(r, levels[0] as number)?.throughput),
              },
            ],
            rotateLabels: list.length > 5,
          });
    // One colour per variant on the bar chart too.
    blocks.push({ kind: 'heading', text: scenario });
    blocks.push({ kind: 'charts', charts: [chart] });
    blocks.push({
      kind: 'table',
      head: ['variant', ...levels.map((c) => `c=${c} ops/s`), 'items/op'],
      numeric: [false, ...levels.map(() => true), true],
      rows: list.map((r) => [
        r.variant,
        ...levels.map((c): Cell => {
          const loop = at(r, c);
          if (!loop) return '–';
          const bound = loop.bottleneck === 'generator';
          return bound
            ? { text: `${formatSpread(loop.throughput)} ⚠`, tone: 'warn', title: 'generator-bound' }
            : formatSpread(loop.throughput);
        }),
        String(r.itemsPerOp),
      ]),
    });
  }
  if (blocks.length === 0) return undefined;
  return {
    id: 'throughput',
    title: 'Throughput',
    blocks: [
      {
        kind: 'p',
        text: 'Operations per second end to end (client included), closed loop: each of c workers sends its next call when the last one returns. ⚠ marks a level where the load generator, not the server, ran out of CPU.',
      },
      ...blocks,
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Open loop

function buildOpenLoopSection(results: ShootoutResults): Section | undefined {
  const list = results.results.filter((r) => r.openLoop);
  if (list.length === 0) return undefined;
  const scenario = list[0]?.scenario ?? 'crud-read';
  const series: CurveSeries[] = [];
  for (const r of list) {
    series.push(curveSeries(`${r.variant}`, r.openLoop!.corrected));
  }
  return {
    id: 'open-loop',
    title: 'Open loop (fixed arrival rate)',
    blocks: [
      {
        kind: 'p',
        text: 'Requests arrive on a schedule whatever the server does; latency is counted from the scheduled send time (corrected for coordinated omission). The uncorrected column shows what a closed-loop tool would have reported at the same rate.',
      },
      {
        kind: 'charts',
        charts: [
          lineChart({
            id: `open-loop-${scenario}`,
            title: `${scenario}: corrected latency at a fixed arrival rate (ms, log scale)`,
            subtitle:
              'each variant at its own rate (see the table); whiskers: min–max of the repetitions',
            categories: CURVE_POINTS.map(([l]) => l),
            series,
            log: true,
          }),
        ],
      },
      {
        kind: 'table',
        head: [
          'variant',
          'rate /s',
          'achieved /s',
          'corrected p50 ms',
          'corrected p99 ms',
          'uncorrected p99 ms',
          'errors',
        ],
        numeric: [false, true, true, true, true, true, true],
        rows: list.map((r) => {
          const o = r.openLoop!;
          return [
            r.variant,
            formatNumber(o.rate),
            formatSpread(o.achievedRate),
            formatSpread(o.corrected.p50),
            formatSpread(o.corrected.p99),
            formatSpread(o.uncorrected.p99),
            errorsText(o.errors),
          ];
        }),
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Bytes

function layerRow(label: string, l: WireLayers): { label: string; layers: Record<string, number> } {
  return { label, layers: Object.fromEntries(LAYERS.map((k) => [k, l[k]])) };
}

function layersText(l: WireLayers): string {
  return LAYERS.filter((k) => l[k] > 0)
    .map((k) => `${k[0]}${l[k].toLocaleString('en-US')}`)
    .join(' ');
}

function buildBytesSection(results: ShootoutResults): Section | undefined {
  const blocks: Block[] = [];
  for (const scenario of scenariosOf(results)) {
    const list = byScenario(results, scenario).filter((r) => r.status === 'ok' && r.wire);
    if (list.length === 0) continue;
    const chartOf = (
      which: 'steadyState' | 'firstCall',
      title: string,
      pick: (r: ScenarioResult) => WireFigures | undefined = (r) => r.wire,
      suffix = '',
    ) =>
      stackedBytesChart({
        id: `bytes-${scenario}-${which === 'steadyState' ? 'steady' : 'first'}${suffix}`,
        title: `${scenario}: bytes per operation, ${title}`,
        subtitle: 'exact counts from one call; request (→) and response (←) per variant',
        layers: LAYERS,
        rows: list.flatMap((r) => {
          const w = pick(r)?.[which];
          if (!w) return [];
          return [layerRow(`${r.variant} →`, w.request), layerRow(`${r.variant} ←`, w.response)];
        }),
      });
    const compressed = list.some((r) => r.wireCompressed);
    blocks.push({ kind: 'heading', text: scenario });
    blocks.push({
      kind: 'charts',
      charts: [
        chartOf('steadyState', 'steady state (warm connection)'),
        chartOf('firstCall', 'first call (new connection)'),
        ...(compressed
          ? [
              chartOf(
                'steadyState',
                'steady state, gzip responses',
                (r) => r.wireCompressed,
                '-gzip',
              ),
            ]
          : []),
      ],
    });
    const itemised = list.some((r) => r.itemsPerOp > 1);
    blocks.push({
      kind: 'table',
      head: [
        'variant',
        'request (steady)',
        'response (steady)',
        'total steady',
        'total first call',
        ...(compressed ? ['response gzip (steady)', 'total steady gzip'] : []),
        'HTTP requests/streams',
        ...(itemised ? ['bytes per item'] : []),
      ],
      numeric: [false, false, false, true, true, ...(compressed ? [false, true] : []), true, true],
      rows: list.map((r) => {
        const s = r.wire!.steadyState;
        const f = r.wire!.firstCall;
        const total = s.request.total + s.response.total;
        const z = r.wireCompressed?.steadyState;
        return [
          r.variant,
          layersText(s.request),
          layersText(s.response),
          formatBytes(total),
          formatBytes(f.request.total + f.response.total),
          ...(compressed
            ? z
              ? [layersText(z.response), formatBytes(z.request.total + z.response.total)]
              : ['–', '–']
            : []),
          String(s.httpRequests),
          ...(itemised ? [formatBytes(total / Math.max(1, r.itemsPerOp))] : []),
        ];
      }),
    });
  }
  if (blocks.length === 0) return undefined;
  return {
    id: 'bytes',
    title: 'Bytes per operation',
    blocks: [
      {
        kind: 'p',
        text: `What one operation puts on the wire, both directions, split into ${LAYERS.join(', ')} (HTTP/2 preface, SETTINGS, WINDOW_UPDATE and PING count as connection). Byte counts are exact, from one call through the accounting tap, so they have no spread; the first call pays the connection set-up, the steady state is what every later call costs. Layer letters in the table: h headers, f framing, b body, t trailers, c connection. The plain figures are of servers that compress nothing (as in the load runs). The gzip figures, where the run has them, are the same calls against a second server of each implementation started with \`serve --compression\`: responses of 1 KiB or more gzip-compressed for clients that accept it, requests plain. grpc-js cannot compress responses, so its gzip figures equal its plain ones; smaller responses stay plain everywhere. Compressed sizes per codec and payload, without HTTP, are under Serialization.`,
      },
      ...blocks,
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Serialization (micro-benchmarks)

function microSpread(m: MicroResult | undefined): Spread | undefined {
  if (!m || !(m.opsPerSecond > 0)) return undefined;
  const us = 1e6 / m.opsPerSecond;
  const rel = m.marginPercent / 100;
  return { median: us, min: us * (1 - rel), max: us * (1 + rel), n: m.samples };
}

function buildSerializationSection(results: ShootoutResults): Section | undefined {
  if (results.micro.length === 0) return undefined;
  const blocks: Block[] = [];
  const payloads = [...new Set(results.micro.map((m) => m.payload))];
  for (const payload of payloads) {
    const rows = results.micro.filter((m) => m.payload === payload);
    const codecs = [...new Set(rows.map((m) => m.codec))];
    const find = (codec: string, op: 'encode' | 'decode') =>
      rows.find((m) => m.codec === codec && m.operation === op);
    const sizeOf = (codec: string) => (find(codec, 'encode') ?? find(codec, 'decode'))?.bytes;
    const exactSpread = (v: number | undefined): Spread | undefined =>
      v === undefined ? undefined : { median: v, min: v, max: v, n: 1 };
    blocks.push({ kind: 'heading', text: payload });
    blocks.push({
      kind: 'charts',
      charts: [
        spreadBarChart({
          id: `micro-${slug(payload)}-time`,
          title: `${payload}: time per encode / decode (µs)`,
          subtitle: 'tinybench mean; whiskers: ± its relative margin of error (95%)',
          categories: codecs,
          groups: [
            {
              name: 'encode',
              colour: '#4e79a7',
              values: codecs.map((c) => microSpread(find(c, 'encode'))),
            },
            {
              name: 'decode',
              colour: '#f28e2b',
              values: codecs.map((c) => microSpread(find(c, 'decode'))),
            },
          ],
          rotateLabels: true,
        }),
        spreadBarChart({
          id: `micro-${slug(payload)}-size`,
          title: `${payload}: encoded size (bytes)`,
          subtitle: 'raw, gzip and brotli of the same message (exact)',
          categories: codecs,
          groups: [
            {
              name: 'raw',
              colour: '#59a14f',
              values: codecs.map((c) => exactSpread(sizeOf(c)?.raw)),
            },
            {
              name: 'gzip',
              colour: '#76b7b2',
              values: codecs.map((c) => exactSpread(sizeOf(c)?.gzip)),
            },
            {
              name: 'brotli',
              colour: '#9c755f',
              values: codecs.map((c) => exactSpread(sizeOf(c)?.brotli)),
            },
          ],
          rotateLabels: true,
        }),
      ],
    });
    blocks.push({
      kind: 'table',
      head: ['codec', 'encode µs', 'decode µs', 'raw', 'gzip', 'brotli'],
      numeric: [false, true, true, true, true, true],
      rows: codecs.map((codec) => {
        const cell = (op: 'encode' | 'decode'): Cell => {
          const m = find(codec, op);
          const s = microSpread(m);
          return s && m ? `${formatNumber(s.median)} ±${m.marginPercent.toFixed(1)}%` : '–';
        };
        const size = sizeOf(codec);
        return [
          codec,
          cell('encode'),
          cell('decode'),
          size ? formatBytes(size.raw) : '–',
          size ? `${formatBytes(size.gzip)} (${formatPercent(size.gzip / size.raw)})` : '–',
          size ? `${formatBytes(size.brotli)} (${formatPercent(size.brotli / size.raw)})` : '–',
        ];
      }),
    });
  }
  return {
    id: 'serialization',
    title: 'Serialization cost per codec',
    blocks: [
      {
        kind: 'p',
        text: "Encoding and decoding each payload with each codec in one process (no network), with real data read from a server; every codec is checked to round-trip the same domain data before it is timed. Times are per call; the spread is the benchmark's margin of error.",
      },
      ...blocks,
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Streams

function buildStreamsSection(results: ShootoutResults): Section | undefined {
  const blocks: Block[] = [];
  for (const scenario of scenariosOf(results)) {
    const list = byScenario(results, scenario).filter((r) => r.status === 'ok');
    const streams = list.filter((r) => r.stream);
    const bidis = list.filter((r) => r.bidi);
    if (streams.length > 0) {
      blocks.push({ kind: 'heading', text: scenario });
      blocks.push({
        kind: 'charts',
        charts: [
          spreadBarChart({
            id: `stream-${scenario}-first`,
            title: `${scenario}: subscribe and first message (ms)`,
            subtitle: 'whiskers: min–max over subscribers and repetitions',
            categories: streams.map((r) => r.variant),
            groups: [
              {
                name: 'subscribe',
                colour: '#4e79a7',
                values: streams.map((r) => r.stream!.subscribeMs),
              },
              {
                name: 'first message',
                colour: '#f28e2b',
                values: streams.map((r) => r.stream!.firstMessageMs),
              },
            ],
          }),
        ],
      });
      blocks.push({
        kind: 'table',
        head: [
          'variant',
          'subscribers',
          'subscribe ms',
          'first message ms',
          'messages/s',
          'latency p50 ms',
          'latency p99 ms',
          'delivered',
        ],
        numeric: [false, true, true, true, true, true, true, true],
        rows: streams.map((r) => {
          const s = r.stream!;
          const complete = s.delivered === s.expected;
          return [
            r.variant,
            String(s.subscribers),
            formatSpread(s.subscribeMs),
            formatSpread(s.firstMessageMs),
            formatSpread(s.messagesPerSecond),
            formatSpread(s.latency.p50),
            formatSpread(s.latency.p99),
            {
              text: `${s.delivered.toLocaleString('en-US')}/${s.expected.toLocaleString('en-US')}`,
              ...(complete ? {} : { tone: 'warn' as const }),
            },
          ];
        }),
      });
    }
    if (bidis.length > 0) {
      blocks.push({ kind: 'heading', text: scenario });
      blocks.push({
        kind: 'charts',
        charts: [
          spreadBarChart({
            id: `stream-${scenario}-p99`,
            title: `${scenario}: round trip and fan-out p99 (ms)`,
            subtitle: 'whiskers: min–max of the repetitions',
            categories: bidis.map((r) => r.variant),
            groups: [
              {
                name: 'round trip p99',
                colour: '#4e79a7',
                values: bidis.map((r) => r.bidi!.roundTrip.p99),
              },
              {
                name: 'fan-out p99',
                colour: '#e15759',
                values: bidis.map((r) => r.bidi!.fanOut.p99),
              },
            ],
          }),
        ],
      });
      blocks.push({
        kind: 'table',
        head: [
          'variant',
          'members',
          'round trip p50 ms',
          'round trip p99 ms',
          'fan-out p50 ms',
          'fan-out p99 ms',
          'messages/s',
        ],
        numeric: [false, true, true, true, true, true, true],
        rows: bidis.map((r) => {
          const b = r.bidi!;
          return [
            r.variant,
            String(b.members),
            formatSpread(b.roundTrip.p50),
            formatSpread(b.roundTrip.p99),
            formatSpread(b.fanOut.p50),
            formatSpread(b.fanOut.p99),
            formatSpread(b.messagesPerSecond),
          ];
        }),
      });
    }
  }
  if (blocks.length === 0) return undefined;
  return {
    id: 'streams',
    title: 'Stream metrics',
    blocks: [
      {
        kind: 'p',
        text: "Streaming updates: time to open a subscription, from the first publish to a subscriber's first message, delivery rate and per-message latency. Bidirectional: a chat room, the time for a message to come back to its sender and to reach every member.",
      },
      ...blocks,
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Store queries (nested)

function buildQueriesSection(results: ShootoutResults): Section | undefined {
  const scenarios = scenariosOf(results).filter((s) => patternOf(s) === 'nested');
  const withQueries = scenarios.filter((s) =>
    byScenario(results, s).some((r) =>
      r.closedLoop.some((l) => hasSpread(l.server?.storeQueriesPerOp)),
    ),
  );
  if (withQueries.length === 0) return undefined;
  const variants = variantsOf(results);
  const figure = (scenario: string, variant: string) => {
    const list = byScenario(results, scenario);
    const r = list.find((x) => x.variant === variant && x.status === 'ok');
    return r ? loopAt(r, scenarioLevel(list))?.server?.storeQueriesPerOp : undefined;
  };
  const shown = variants.filter((v) => withQueries.some((s) => hasSpread(figure(s, v))));
  const palette = ['#e15759', '#59a14f', '#4e79a7', '#f28e2b'];
  const items = (scenario: string, variant: string) =>
    byScenario(results, scenario).find((r) => r.variant === variant)?.itemsPerOp ?? 1;
  return {
    id: 'queries',
    title: 'Store queries per operation (nested reads)',
    blocks: [
      {
        kind: 'p',
        text: "SQL queries the server ran per nested read (authors → books → latest reviews), from the store's own counter: the N+1 problem made visible. Naive fetching pays one query per item; batching (DataLoader, ?include=, a tree RPC) collapses them.",
      },
      {
        kind: 'charts',
        charts: [
          spreadBarChart({
            id: 'queries-nested',
            title: 'Store queries per nested read',
            subtitle: 'median over repetitions; whiskers: min–max',
            categories: shown,
            groups: withQueries.map((s, i) => ({
              name: s,
              colour: palette[i % palette.length] as string,
              values: shown.map((v) => figure(s, v)),
            })),
            rotateLabels: shown.length > 5,
          }),
        ],
      },
      {
        kind: 'table',
        head: [
          'variant',
          ...withQueries.map((s) => `${s} queries/op`),
          ...withQueries.map((s) => `${s} per item`),
        ],
        numeric: [false, ...withQueries.map(() => true), ...withQueries.map(() => true)],
        rows: shown.map((v) => [
          v,
          ...withQueries.map((s) => formatSpread(figure(s, v))),
          ...withQueries.map((s) => {
            const f = figure(s, v);
            const n = items(s, v);
            return f
              ? formatSpread({ ...f, median: f.median / n, min: f.min / n, max: f.max / n })
              : '–';
          }),
        ]),
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Capacity vs ceiling

function buildCapacitySection(results: ShootoutResults): Section | undefined {
  const list = results.results.filter((r) => r.capacity);
  if (list.length === 0 && results.ceilings.length === 0) return undefined;
  const blocks: Block[] = [
    {
      kind: 'p',
      text: "Server-only capacity, for every scenario marked `capacity: true` (crud-read: GetBook over seeded random ids; list: the first ListBooks page): pre-encoded requests from a native load generator (autocannon on HTTP/1.1, our HTTP/2 generator on HTTP/2), so the client costs nothing. Capacity counts successful responses per second only; failed ones (transport errors, non-2xx, a grpc-status other than 0, a GraphQL error) are in the failed column. Each figure stands beside the bare hello-world of its own stack measured in the same run: the ratio is the protocol and application cost; the ceiling is the framework's.",
    },
  ];
  // One chart and table per scenario measured this way (crud-read's GetBook, list's ListBooks).
  const scenarios = sortScenarios(list.map((r) => r.scenario));
  for (const scenario of scenarios) {
    const rows = list.filter((r) => r.scenario === scenario);
    if (scenarios.length > 1) blocks.push({ kind: 'heading', text: scenario });
    blocks.push({
      kind: 'charts',
      charts: [
        spreadBarChart({
          id: scenario === 'crud-read' ? 'capacity-vs-ceiling' : `capacity-vs-ceiling-${scenario}`,
          title: `${scenario} capacity vs the hello-world ceiling of the same stack (req/s)`,
          subtitle: 'whiskers: min–max of the repetitions',
          categories: rows.map((r) => r.variant),
          groups: [
            {
              name: `capacity (${scenario})`,
              colour: '#4e79a7',
              values: rows.map((r) => r.capacity!.throughput),
            },
            {
              name: 'own-stack ceiling (hello-world)',
              colour: '#bab0ac',
              values: rows.map((r) => r.capacity!.ceiling?.throughput),
            },
          ],
          rotateLabels: rows.length > 5,
        }),
      ],
    });
    blocks.push({
      kind: 'table',
      head: [
        'variant',
        'capacity req/s',
        'stack',
        'ceiling req/s',
        'of ceiling',
        'generator',
        'server CPU',
        'failed',
        'bottleneck',
      ],
      numeric: [false, true, false, true, true, false, true, true, false],
      rows: rows.map((r) => {
        const c = r.capacity!;
        return [
          r.variant,
          formatSpread(c.throughput),
          c.ceiling?.stack ?? '–',
          c.ceiling ? formatSpread(c.ceiling.throughput) : '–',
          // Above its own hello-world is impossible: one of the two measurements is off.
          (c.ratioToCeiling?.median ?? 0) > 1.05
            ? {
                text: `${formatPercentSpread(c.ratioToCeiling)} ⚠`,
                tone: 'warn',
                title: 'above the ceiling of its own stack: one of the two measurements is suspect',
              }
            : formatPercentSpread(c.ratioToCeiling),
          `${c.generator} ${c.connections}×${c.streamsPerConnection}`,
          formatPercentSpread(c.serverUtilisation),
          c.errors > 0 ? { text: c.errors.toLocaleString('en-US'), tone: 'bad' } : '0',
          c.bottleneck === 'generator' ? { text: '⚠ generator', tone: 'warn' } : c.bottleneck,
        ];
      }),
    });
  }
  if (results.ceilings.length > 0) {
    blocks.push({ kind: 'heading', text: 'Hello-world ceilings' });
    blocks.push({
      kind: 'table',
      head: ['stack', 'generator', 'req/s', 'server CPU', 'generator CPU', 'bottleneck'],
      numeric: [false, false, true, true, true, false],
      rows: results.ceilings.map((c) => [
        c.stack,
        c.generator,
        formatSpread(c.throughput),
        formatPercentSpread(c.serverUtilisation),
        formatPercentSpread(c.generatorUtilisation),
        c.bottleneck === 'generator'
          ? { text: '⚠ generator (ceiling is higher)', tone: 'warn' }
          : c.bottleneck,
      ]),
    });
  }
  if (results.h2loadChecks.length > 0) {
    blocks.push({ kind: 'heading', text: 'HTTP/2 generator checked against h2load' });
    blocks.push({
      kind: 'table',
      head: ['target', 'ours req/s', 'h2load req/s', 'ratio'],
      numeric: [false, true, true, true],
      rows: results.h2loadChecks.map((c) => [
        c.target,
        formatSpread(c.ours),
        formatSpread(c.h2load),
        { text: formatSpread(c.ratio), ...(c.ratio.median < 0.9 ? { tone: 'warn' as const } : {}) },
      ]),
    });
  }
  return { id: 'capacity', title: 'Capacity and ceilings', blocks };
}

// ---------------------------------------------------------------------------------------------
// Capability matrix

function buildCapabilitySection(results: ShootoutResults): Section {
  const variants = variantsOf(results);
  const reasons: string[] = [];
  const footnote = (reason: string) => {
    let i = reasons.indexOf(reason);
    if (i < 0) {
      reasons.push(reason);
      i = reasons.length - 1;
    }
    return i + 1;
  };
  const rows: Cell[][] = scenariosOf(results).map((scenario) => [
    `${patternOf(scenario)} · ${scenario}`,
    ...variants.map((v): Cell => {
      const r = results.results.find((x) => x.scenario === scenario && x.variant === v);
      if (!r) return { text: '–', tone: 'muted', title: 'not in this run' };
      if (r.status === 'ok') return { text: '✓', tone: 'good' };
      const n = footnote(r.reason ?? r.status);
      return r.status === 'n/a'
        ? { text: `n/a [${n}]`, tone: 'muted', title: r.reason ?? '' }
        : { text: `failed [${n}]`, tone: 'bad', title: r.reason ?? '' };
    }),
  ]);
  return {
    id: 'capabilities',
    title: 'Capability matrix',
    blocks: [
      {
        kind: 'p',
        text: '✓ measured; n/a: the protocol (or this implementation) cannot do the pattern, which is a finding, not a gap; failed: it should have run and did not.',
      },
      { kind: 'table', head: ['pattern · scenario', ...variants], rows },
      ...(reasons.length > 0
        ? [{ kind: 'list' as const, items: reasons.map((r, i) => `[${i + 1}] ${r}`) }]
        : []),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// GetBook on the wire

function buildWireSection(
  results: ShootoutResults,
  sample: WireSample | undefined,
): Section | undefined {
  if (sample) {
    return {
      id: 'wire',
      title: `The same ${sample.operation} on the wire`,
      blocks: [
        {
          kind: 'p',
          text: `${sample.operation} (${sample.describe}) made once on a new connection and once more on the same connection by every variant, through the accounting tap (\`wirebench inspect --compare ${sample.operation}\`). Source: ${sample.source}, captured ${sample.capturedAt}. Long strings are cut; byte counts are exact.`,
        },
        {
          kind: 'table',
          head: [
            'variant',
            'transport',
            'request first / steady',
            'response first / steady',
            'total steady',
            'response layers (steady)',
          ],
          numeric: [false, false, true, true, true, false],
          rows: sample.variants.map((v) => {
            if (!v.first || !v.steady)
              return [
                v.variant,
                { text: `failed: ${v.error ?? '?'}`, tone: 'bad' },
                '',
                '',
                '',
                '',
              ];
            return [
              v.variant,
              v.steady.transport,
              `${formatBytes(v.first.request.total)} / ${formatBytes(v.steady.request.total)}`,
              `${formatBytes(v.first.response.total)} / ${formatBytes(v.steady.response.total)}`,
              formatBytes(v.steady.request.total + v.steady.response.total),
              layersText(v.steady.response),
            ];
          }),
        },
        { kind: 'wire', sample },
      ],
    };
  }
  if (byScenario(results, 'crud-read').length === 0) return undefined;
  return {
    id: 'wire',
    title: 'The same GetBook on the wire',
    blocks: [
      {
        kind: 'p',
        text: 'No wire transcript was captured for this run: `wirebench report` without --no-wire captures one from a fresh local server. Byte counts of the crud-read scenario, where the run measured them, are under Bytes per operation.',
        tone: 'note',
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Environment

function buildEnvironmentSection(results: ShootoutResults): Section {
  const e = results.environment;
  const p = results.parameters;
  const kv = (k: string, v: string): Cell[] => [k, v];
  return {
    id: 'environment',
    title: 'Environment, parameters and fairness',
    blocks: [
      {
        kind: 'table',
        head: ['', ''],
        rows: [
          kv('run', `${results.run.id} (${results.run.profile} profile)`),
          kv('started / finished', `${results.run.startedAt} / ${results.run.finishedAt}`),
          kv(
            'wall time',
            `${formatNumber(results.run.wallMs / 1_000)} s${formatPhaseTimes(results) ? ` (${formatPhaseTimes(results)})` : ''}`,
          ),
          kv('command', `wirebench ${results.run.argv.join(' ')}`),
          kv(
            'git',
            e.git ? `${e.git.sha}${e.git.dirty ? ' (uncommitted changes)' : ''}` : 'unknown',
          ),
          kv('CPU', `${e.cpuModel}, ${e.cores} cores`),
          kv('memory', `${e.memoryGiB} GiB (${e.freeMemoryGiB} GiB free at start)`),
          kv('load average at start', e.loadAverage.join(' ')),
          kv('OS', e.os),
          kv('Node / V8', `${e.node} / ${e.v8}`),
          kv(
            'tools',
            Object.entries(e.tools)
              .map(([k, v]) => `${k}: ${v}`)
              .join('; '),
          ),
          kv('dataset', `seed ${p.seed}, scale ${p.scale}`),
          kv('variants', p.variants.join(', ')),
          kv('scenarios', p.scenarios.join(', ')),
          kv('concurrency', p.concurrency.join(', ')),
          kv(
            'open-loop rate',
            p.rate === undefined
              ? "half of what each variant carries (the lower of its server's capacity and its client's closed-loop throughput)"
              : `${p.rate}/s`,
          ),
          kv(
            'timing',
            `${p.repeat} repetitions of ${formatNumber(p.durationMs)} ms; ${formatNumber(p.warmupMs)} ms of discarded warm-up before the first of each series${p.openLoopWarmup === 'every-repetition' ? ' (before every repetition in the open loop)' : ''}`,
          ),
          kv('pinning', `server ${p.pinning.server}, load ${p.pinning.load}`),
        ],
      },
      { kind: 'heading', text: 'Variants' },
      {
        kind: 'table',
        head: ['variant', 'protocol', 'codec', 'HTTP', 'server', 'client', 'ceiling', 'browser'],
        rows: p.variants.map((name) => {
          const v = findVariant(name);
          if (!v) return [name, 'not a variant of this version', '', '', '', '', '', ''];
          return [
            name,
            v.protocol,
            v.clientCodec,
            v.httpVersion,
            v.server,
            v.client,
            v.ceiling,
            v.browser ? 'yes' : 'no',
          ];
        }),
      },
      { kind: 'heading', text: 'Package versions' },
      {
        kind: 'table',
        head: ['package', 'version'],
        rows: Object.entries(e.packages).map(([k, v]) => [k, v]),
      },
      { kind: 'heading', text: 'Fairness' },
      { kind: 'list', items: p.fairness },
    ],
  };
}

/** Everything a report says about a run, in order. */
export function buildReportContent(
  results: ShootoutResults,
  sample: WireSample | undefined,
): ReportContent {
  const verdicts = verdictsOf(results);
  const optional: [string, string, Section | undefined][] = [
    ['Flags and warnings', 'nothing was flagged', buildFlagsSection(results)],
    ['Latency percentiles', 'no latency was measured', buildLatencySection(results)],
    ['Throughput', 'no closed-loop run', buildThroughputSection(results)],
    [
      'Open loop',
      results.run.profile === 'quick'
        ? 'not run in the quick profile'
        : 'not run (no capacity to derive a rate from, or no crud-read)',
      buildOpenLoopSection(results),
    ],
    ['Bytes per operation', 'no wire accounting in this run', buildBytesSection(results)],
    [
      'Serialization cost',
      results.run.profile === 'quick'
        ? 'micro-benchmarks are not run in the quick profile'
        : 'no micro-benchmark results',
      buildSerializationSection(results),
    ],
    ['Stream metrics', 'no streaming scenario in this run', buildStreamsSection(results)],
    ['Store queries', 'no nested scenario with store counts', buildQueriesSection(results)],
    ['Capacity and ceilings', 'capacity runs were skipped', buildCapacitySection(results)],
    ['GetBook on the wire', 'no crud-read in this run', buildWireSection(results, sample)],
    [
      'Schema evolution',
      results.run.profile === 'quick'
        ? 'the evolution lab is not run in the quick profile (`wirebench evolve` runs it alone)'
        : 'the evolution lab was skipped',
      results.evolution ? buildEvolutionSection(results.evolution) : undefined,
    ],
  ];
  const sections: Section[] = [buildVerdictSection(results, verdicts)];
  const skipped: ReportContent['skipped'] = [];
  for (const [title, why, section] of optional) {
    if (section) sections.push(section);
    else if (title !== 'Flags and warnings') skipped.push({ title, why });
  }
  sections.push(buildCapabilitySection(results), buildEnvironmentSection(results));
  const e = results.environment;
  const p = results.parameters;
  return {
    title: `wirebench report · ${results.run.id}`,
    subtitle: `${results.run.profile} profile · ${p.variants.length} variants × ${p.scenarios.length} scenarios · ${p.repeat} repetitions of ${formatNumber(p.durationMs / 1_000)} s · ${e.cpuModel}, ${e.cores} cores · Node ${e.node} · git ${e.git?.shortSha ?? 'unknown'}${e.git?.dirty ? ' (dirty)' : ''} · ${results.run.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
    sections,
    skipped,
  };
}

/** Every chart of the content, for writing them as files beside the markdown. */
export function chartsOf(content: ReportContent): Chart[] {
  return content.sections.flatMap((s) =>
    s.blocks.flatMap((b) => (b.kind === 'charts' ? b.charts : [])),
  );
}

// k6-style thresholds: `--threshold 'crud-read:p99<20ms'` makes the run fail (non-zero exit)
// when any variant's figure for that scenario breaks it. A threshold may name one variant:
// `crud-read@grpc:rps>5000`. Parsing and the comparison live here; which figure a result offers
// (the closed loop at the verdict's level, a stream's per-message figures) is decided by the
// analysis module (reports/render/analysis.ts evaluateRunThresholds), after the run.

export const THRESHOLD_METRICS = {
  p50: 'ms',
  p90: 'ms',
  p99: 'ms',
  p999: 'ms',
  max: 'ms',
  rps: 'ops/s',
  errors: 'ratio',
} as const;
export type ThresholdMetric = keyof typeof THRESHOLD_METRICS;

export interface Threshold {
  source: string;
  scenario: string;
  variant: string | undefined;
  metric: ThresholdMetric;
  op: '<' | '<=' | '>' | '>=';
  value: number;
}

const UNIT_TO_MS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1_000 };

/** Parses one threshold expression; throws a message naming what is wrong. */
export function parseThreshold(source: string): Threshold {
  const m = /^([\w.-]+)(?:@([\w.-]+))?:(\w+)\s*(<=|>=|<|>)\s*([0-9.]+)\s*(us|µs|ms|s|%)?$/.exec(
    source.trim(),
  );
  if (!m) {
    throw new Error(
      `threshold "${source}" is not SCENARIO[@VARIANT]:METRIC<VALUE (e.g. crud-read:p99<20ms)`,
    );
  }
  const [, scenario, variant, metricText, op, valueText, unit] = m as unknown as string[];
  if (!(metricText! in THRESHOLD_METRICS)) {
    throw new Error(
      `threshold "${source}": metric must be one of ${Object.keys(THRESHOLD_METRICS).join(', ')}`,
    );
  }
  const metric = metricText as ThresholdMetric;
  let value = Number(valueText);
  if (!Number.isFinite(value))
    throw new Error(`threshold "${source}": ${valueText} is not a number`);
  const kind = THRESHOLD_METRICS[metric];
  if (kind === 'ms') {
    if (unit === '%') throw new Error(`threshold "${source}": a latency takes us, ms or s`);
    value *= UNIT_TO_MS[unit ?? 'ms'] ?? 1;
  } else if (kind === 'ratio') {
    if (unit === '%') value /= 100;
    else if (unit) throw new Error(`threshold "${source}": errors take a ratio or a percentage`);
  } else if (unit) {
    throw new Error(`threshold "${source}": rps takes no unit`);
  }
  return { source, scenario: scenario!, variant, metric, op: op as Threshold['op'], value };
}

export interface ThresholdSubject {
  scenario: string;
  variant: string;
  /** The closed-loop level the figures come from; absent for a stream's figures. */
  concurrency?: number | undefined;
  /** The figure's median over repetitions, in the metric's unit; undefined when not measured. */
  figure(metric: ThresholdMetric): number | undefined;
}

export interface ThresholdOutcome {
  threshold: Threshold;
  variant: string;
  /** The level the figure was read at (the subject's); undefined when nothing matched. */
  concurrency: number | undefined;
  actual: number | undefined;
  passed: boolean;
}

function holds(actual: number, op: Threshold['op'], value: number): boolean {
  switch (op) {
    case '<':
      return actual < value;
    case '<=':
      return actual <= value;
    case '>':
      return actual > value;
    case '>=':
      return actual >= value;
  }
}

/**
 * Evaluates every threshold against every matching result. A threshold that matches nothing
 * fails: a typo must not pass silently.
 */
export function evaluateThresholds(
  thresholds: Threshold[],
  subjects: ThresholdSubject[],
): ThresholdOutcome[] {
  const outcomes: ThresholdOutcome[] = [];
  for (const threshold of thresholds) {
    const matching = subjects.filter(
      (s) =>
        s.scenario === threshold.scenario &&
        (!threshold.variant || s.variant === threshold.variant),
    );
    if (matching.length === 0) {
      outcomes.push({
        threshold,
        variant: threshold.variant ?? '*',
        concurrency: undefined,
        actual: undefined,
        passed: false,
      });
      continue;
    }
    for (const subject of matching) {
      const actual = subject.figure(threshold.metric);
      outcomes.push({
        threshold,
        variant: subject.variant,
        concurrency: subject.concurrency,
        actual,
        passed: actual !== undefined && holds(actual, threshold.op, threshold.value),
      });
    }
  }
  return outcomes;
}

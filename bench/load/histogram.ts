// Latency recording for the load runners: HDR histograms of microseconds, summaries in
// milliseconds with autocannon-like keys, and a compact encoding so raw results can be merged
// and re-analysed later.
//
// The pure-JS build of hdr-histogram-js is used, not the WebAssembly one: recording costs well
// under a microsecond either way at the rates one Node generator reaches, while WASM histograms
// need an async init and a manual destroy() (they leak otherwise), which every runner and every
// decode of a stored result would have to get right.

import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js';

export type { Histogram } from 'hdr-histogram-js';

/** Recorded values are integer microseconds in this range; values outside it are clamped. */
export const LOWEST_US = 1;
export const HIGHEST_US = 60_000_000;
export const SIGNIFICANT_DIGITS = 3;

/** Latency figures in milliseconds; NaN (null in JSON) when nothing was recorded. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  stdev: number;
  p50: number;
  p75: number;
  p90: number;
  p97_5: number;
  p99: number;
  p999: number;
  p9999: number;
  max: number;
}

/** One figure over repetitions. NaN (null in JSON) figures when there are none. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function createHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: LOWEST_US,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    bitBucketSize: 32,
    autoResize: false,
  });
}

/** Records a duration given in milliseconds (a difference of performance.now() readings). */
export function recordMs(histogram: Histogram, ms: number): void {
  const us = Math.round(ms * 1000);
  // A sub-microsecond or negative reading is clock granularity, not a faster operation; a value
  // past 60 s is kept as 60 s rather than thrown away, so the count stays exact.
  histogram.recordValue(Math.min(HIGHEST_US, Math.max(LOWEST_US, us)));
}

function toMs(us: number): number {
  return Math.round(us) / 1000;
}

export function summarize(histogram: Histogram): LatencySummary {
  const count = histogram.totalCount;
  if (count === 0) {
    return {
      count: 0,
      min: Number.NaN,
      mean: Number.NaN,
      stdev: Number.NaN,
      p50: Number.NaN,
      p75: Number.NaN,
      p90: Number.NaN,
      p97_5: Number.NaN,
      p99: Number.NaN,
      p999: Number.NaN,
      p9999: Number.NaN,
      max: Number.NaN,
    };
  }
  const at = (percentile: number) => toMs(histogram.getValueAtPercentile(percentile));
  return {
    count,
    min: toMs(histogram.minNonZeroValue),
    mean: toMs(histogram.mean),
    stdev: toMs(histogram.stdDeviation),
    p50: at(50),
    p75: at(75),
    p90: at(90),
    p97_5: at(97.5),
    p99: at(99),
    p999: at(99.9),
    p9999: at(99.99),
    max: toMs(histogram.maxValue),
  };
}

/** One percentile (0..100, 100 = max) in milliseconds; NaN when nothing was recorded. */
export function percentileMs(histogram: Histogram, percentile: number): number {
  if (histogram.totalCount === 0) return Number.NaN;
  if (percentile >= 100) return toMs(histogram.maxValue);
  return toMs(histogram.getValueAtPercentile(percentile));
}

/** Compressed base64 (the HdrHistogram V2 encoding other HdrHistogram ports read too). */
export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  const decoded = decodeFromCompressedBase64(encoded, 32, false);
  // Copy into our own shape so that later recording and merging use the same range.
  const histogram = createHistogram();
  histogram.add(decoded);
  return histogram;
}

/** Sums histograms (or their encodings) into a new one; the inputs are left untouched. */
export function mergeHistograms(list: Iterable<Histogram | string>): Histogram {
  const merged = createHistogram();
  for (const item of list) {
    merged.add(typeof item === 'string' ? decodeHistogram(item) : item);
  }
  return merged;
}

export function spread(values: readonly number[]): Spread {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  const middle = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[n - 1]!, n };
}

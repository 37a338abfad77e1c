import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  HIGHEST_US,
  mergeHistograms,
  percentileMs,
  recordMs,
  spread,
  summarize,
} from './histogram.ts';

// HDR keeps 3 significant digits: a value may come back up to 0.1% off.
function assertClose(actual: number, expected: number, label: string): void {
  assert.ok(
    Math.abs(actual - expected) <= expected * 0.001 + 0.001,
    `${label}: ${actual} is not ${expected} to 3 significant digits`,
  );
}

function histogramOf(valuesMs: number[]) {
  const histogram = createHistogram();
  for (const value of valuesMs) recordMs(histogram, value);
  return histogram;
}

const oneToThousand = Array.from({ length: 1000 }, (_, i) => i + 1);

describe('summarize', () => {
  test('gives the percentiles, mean and spread of known values in milliseconds', () => {
    const summary = summarize(histogramOf(oneToThousand));
    assert.equal(summary.count, 1000);
    assertClose(summary.min, 1, 'min');
    assertClose(summary.max, 1000, 'max');
    assertClose(summary.mean, 500.5, 'mean');
    assertClose(summary.stdev, 288.675, 'stdev');
    assertClose(summary.p50, 500, 'p50');
    assertClose(summary.p75, 750, 'p75');
    assertClose(summary.p90, 900, 'p90');
    assertClose(summary.p97_5, 975, 'p97_5');
    assertClose(summary.p99, 990, 'p99');
    assertClose(summary.p999, 999, 'p999');
    assertClose(summary.p9999, 1000, 'p9999');
  });

  test('reports NaN figures and a zero count for an empty histogram', () => {
    const summary = summarize(createHistogram());
    assert.equal(summary.count, 0);
    assert.ok(Number.isNaN(summary.p99));
    assert.ok(Number.isNaN(summary.max));
    assert.equal(JSON.parse(JSON.stringify(summary)).p50, null);
  });

  test('percentileMs reads any percentile, 100 being the max', () => {
    const histogram = histogramOf(oneToThousand);
    assertClose(percentileMs(histogram, 95), 950, 'p95');
    assertClose(percentileMs(histogram, 100), 1000, 'max');
    assert.ok(Number.isNaN(percentileMs(createHistogram(), 50)));
  });
});

describe('recordMs', () => {
  test('clamps readings below 1 µs and above 60 s instead of dropping them', () => {
    const histogram = histogramOf([0, -0.5, 0.0004, 120_000]);
    assert.equal(histogram.totalCount, 4);
    assert.equal(histogram.minNonZeroValue, 1);
    assertClose(histogram.maxValue, HIGHEST_US, 'max');
  });

  test('keeps microsecond resolution for sub-millisecond values', () => {
    const summary = summarize(histogramOf([0.25, 0.25, 0.25]));
    assert.equal(summary.p50, 0.25);
    assert.equal(summary.min, 0.25);
  });
});

describe('encoding and merging', () => {
  test('a decoded histogram has the same counts and percentiles', () => {
    const original = histogramOf(oneToThousand);
    const encoded = encodeHistogram(original);
    assert.equal(typeof encoded, 'string');
    assert.match(encoded, /^[A-Za-z0-9+/]+=*$/);
    const decoded = decodeHistogram(encoded);
    const before = summarize(original);
    const after = summarize(decoded);
    assert.equal(after.count, before.count);
    for (const key of ['p50', 'p90', 'p99', 'p999', 'mean'] as const) {
      assertClose(after[key], before[key], key);
    }
  });

  test('a decoded histogram records further values over the full range', () => {
    const decoded = decodeHistogram(encodeHistogram(histogramOf([1, 2, 3])));
    recordMs(decoded, 50_000);
    assert.equal(decoded.totalCount, 4);
    assertClose(summarize(decoded).max, 50_000, 'max');
  });

  test('merging sums histograms and encodings without touching the inputs', () => {
    const fast = histogramOf([1, 1, 2]);
    const slow = histogramOf([100, 200]);
    const merged = mergeHistograms([fast, encodeHistogram(slow)]);
    const summary = summarize(merged);
    assert.equal(summary.count, 5);
    assertClose(summary.min, 1, 'min');
    assertClose(summary.max, 200, 'max');
    assert.equal(fast.totalCount, 3);
    assert.equal(slow.totalCount, 2);
    assert.equal(mergeHistograms([]).totalCount, 0);
  });
});

describe('spread', () => {
  test('gives the median, min and max over repetitions', () => {
    assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3, n: 3 });
    assert.deepEqual(spread([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, n: 4 });
    assert.deepEqual(spread([7]), { median: 7, min: 7, max: 7, n: 1 });
  });

  test('ignores NaN figures and is NaN with n = 0 when there is nothing', () => {
    assert.deepEqual(spread([Number.NaN, 5, 1]), { median: 3, min: 1, max: 5, n: 2 });
    const empty = spread([]);
    assert.equal(empty.n, 0);
    assert.ok(Number.isNaN(empty.median));
  });
});

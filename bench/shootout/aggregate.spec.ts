// The reductions from repetitions to figures, on made-up runs: no server, no timing.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CapacityResult } from '../capacity/result.ts';
import {
  createHistogram,
  decodeHistogram,
  encodeHistogram,
  type LatencySummary,
  recordMs,
  summarize,
} from '../load/histogram.ts';
import type { OpenLoopResult } from '../load/open-loop.ts';
import type { ProcessStats } from '../load/process-stats.ts';
import {
  addErrors,
  bidiFigures,
  type ClosedLoopRep,
  capacityFromRuns,
  ceilingFromRuns,
  closedLoopFigures,
  defaultOpenLoopRate,
  latencyFigures,
  openLoopFigures,
  streamFigures,
  withCeiling,
  worstBottleneck,
} from './aggregate.ts';
import type { CeilingResult, ScenarioResult, Spread } from './results.ts';

/** A histogram of `count` calls of `ms` each, encoded, with its summary. */
function latencies(ms: number, count = 10): { histogram: string; summary: LatencySummary } {
  const h = createHistogram();
  for (let i = 0; i < count; i++) recordMs(h, ms);
  return { histogram: encodeHistogram(h), summary: summarize(h) };
}

function stats(utilisation: number): ProcessStats {
  return {
    pid: 1,
    cpuSeconds: utilisation,
    wallSeconds: 1,
    utilisation,
    peakRssBytes: 64 * 2 ** 20,
    samples: 10,
    source: 'proc',
  };
}

function capacityRun(over: Partial<CapacityResult>): CapacityResult {
  const { histogram, summary } = latencies(2, 100);
  return {
    generator: 'autocannon',
    throughput: 1_000,
    meanThroughput: 1_000,
    samples: [1_000],
    sampleIntervalMs: 100,
    requests: 1_000,
    warmupRequests: 100,
    ok: 1_000,
    errors: 0,
    non2xx: 0,
    protocolErrors: 0,
    statusCodes: { 200: 1_000 },
    grpcStatus: {},
    latency: summary,
    histogram,
    bytesRead: 1,
    bytesWritten: 1,
    elapsedMs: 1_000,
    connections: 64,
    streams: 1,
    generatorCpu: stats(0.5),
    serverCpu: stats(0.95),
    bottleneck: 'server',
    ...over,
  };
}

function closedRep(over: Partial<ClosedLoopRep>): ClosedLoopRep {
  const { histogram, summary } = latencies(1);
  return {
    throughput: 1_000,
    summary,
    histogram,
    errors: {},
    ops: 1_000,
    server: { cpuMsPerOp: 0.5, util: 0.5, rssMiB: 80, eld: 2, queriesPerOp: 1 },
    generatorUtil: 0.5,
    bottleneck: 'neither',
    ...over,
  };
}

const spreadOf = (median: number): Spread => ({ median, min: median, max: median, n: 3 });

/** HDR histograms keep 3 significant digits: 3 ms may read 3.001. */
function near(actual: number | undefined, expected: number): void {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= expected * 0.001,
    `${actual} is not about ${expected}`,
  );
}

describe('latency figures', () => {
  it('are the median and range of each percentile over repetitions, histograms merged', () => {
    const reps = [latencies(1), latencies(3), latencies(2)];
    const figures = latencyFigures(
      reps.map((r) => r.histogram),
      reps.map((r) => r.summary),
    );
    near(figures.p50.median, 2);
    near(figures.p50.min, 1);
    near(figures.p50.max, 3);
    assert.equal(figures.p50.n, 3);
    near(figures.max.median, 2);
    assert.equal(decodeHistogram(figures.histogram).totalCount, 30);
  });

  it('leave out repetitions with no figure rather than count them as zero', () => {
    const { histogram, summary } = latencies(4);
    const empty = { ...summary, p99: Number.NaN };
    assert.deepEqual(latencyFigures([histogram, histogram], [summary, empty]).p99.n, 1);
  });
});

describe('bottleneck', () => {
  it('names the generator when it saturated in any repetition, else the server, else neither', () => {
    assert.equal(worstBottleneck(['server', 'generator', 'neither']), 'generator');
    assert.equal(worstBottleneck(['neither', 'server']), 'server');
    assert.equal(worstBottleneck(['neither', 'neither']), 'neither');
    assert.equal(worstBottleneck([]), 'unknown');
  });
});

describe('errors', () => {
  it('add up by canonical code', () => {
    const into: Record<string, number> = { unavailable: 1 };
    addErrors(into, { unavailable: 2, internal: 1 });
    assert.deepEqual(into, { unavailable: 3, internal: 1 });
  });
});

describe('closed-loop figures', () => {
  it('are spreads over repetitions with errors and operations summed', () => {
    const figures = closedLoopFigures(16, [
      closedRep({ throughput: 900, errors: { unavailable: 1 }, ops: 10 }),
      closedRep({ throughput: 1_100, errors: { unavailable: 2, internal: 1 }, ops: 20 }),
      closedRep({ throughput: 1_000, ops: 30 }),
    ]);
    assert.equal(figures.concurrency, 16);
    assert.deepEqual(figures.throughput, { median: 1_000, min: 900, max: 1_100, n: 3 });
    assert.deepEqual(figures.errors, { unavailable: 3, internal: 1 });
    assert.equal(figures.ops, 60);
    assert.equal(figures.server?.cpuMsPerOp.median, 0.5);
    assert.equal(figures.bottleneck, 'neither');
  });

  it('keep server figures of the repetitions that had them, and flag a saturated generator', () => {
    const figures = closedLoopFigures(4, [
      closedRep({ server: undefined, bottleneck: 'generator' }),
      closedRep({}),
      closedRep({
        server: { cpuMsPerOp: 1, util: 0.9, rssMiB: 90, eld: Number.NaN, queriesPerOp: 2 },
      }),
    ]);
    assert.equal(figures.server?.cpuMsPerOp.n, 2);
    assert.equal(figures.server?.eventLoopDelayP99Ms.n, 1, 'an unscraped delay is left out');
    assert.equal(figures.bottleneck, 'generator');
    assert.equal(closedLoopFigures(4, [closedRep({ server: undefined })]).server, undefined);
  });
});

describe('open-loop figures', () => {
  const rep = (achievedRate: number): OpenLoopResult => {
    const { histogram, summary } = latencies(1);
    return {
      achievedRate,
      errors: { deadline_exceeded: 1 },
      corrected: summary,
      uncorrected: summary,
      histograms: { corrected: histogram, uncorrected: histogram },
    } as unknown as OpenLoopResult;
  };

  it('flag a rate the client could not keep (achieved below 95% of the target)', () => {
    assert.equal(
      openLoopFigures(1_000, [rep(990), rep(960), rep(1_000)], [0.5]).bottleneck,
      'neither',
    );
    const missed = openLoopFigures(1_000, [rep(900), rep(940), rep(1_000)], [0.99, 0.98, 0.97]);
    assert.equal(missed.bottleneck, 'generator');
    assert.equal(missed.achievedRate.median, 940);
    assert.deepEqual(missed.errors, { deadline_exceeded: 3 });
    assert.equal(missed.generatorUtilisation.median, 0.98);
  });
});

describe('capacity figures', () => {
  it('count successful responses only: failed ones are errors, never capacity', () => {
    const figures = capacityFromRuns(
      [
        capacityRun({ requests: 1_000, ok: 500, non2xx: 400, protocolErrors: 100 }),
        capacityRun({ requests: 1_000, ok: 1_000, meanThroughput: 2_000 }),
        capacityRun({ requests: 1_000, ok: 900, errors: 5, protocolErrors: 100 }),
      ],
      undefined,
    );
    assert.deepEqual(figures.throughput, { median: 900, min: 500, max: 2_000, n: 3 });
    assert.equal(figures.errors, 605);
    assert.equal(figures.ceiling, undefined);
    assert.equal(figures.ratioToCeiling, undefined);
  });

  it('count a run that completed nothing as zero, not as NaN', () => {
    const figures = capacityFromRuns([capacityRun({ requests: 0, ok: 0 })], undefined);
    assert.equal(figures.throughput.median, 0);
  });

  it('name the side that saturated first, the generator over the server', () => {
    const runs = [capacityRun({}), capacityRun({ bottleneck: 'generator' })];
    assert.equal(capacityFromRuns(runs, undefined).bottleneck, 'generator');
    assert.equal(capacityFromRuns([capacityRun({})], undefined).bottleneck, 'server');
    assert.equal(capacityFromRuns([capacityRun({})], undefined).serverUtilisation.median, 0.95);
  });

  it('read against a ceiling measured after them as if it had been known before', () => {
    const runs = [800, 1_000, 1_200].map((t) => capacityRun({ meanThroughput: t }));
    const ceiling: CeilingResult = ceilingFromRuns('express', [
      capacityRun({ meanThroughput: 4_000 }),
    ]);
    assert.equal(ceiling.throughput.median, 4_000);
    const known = capacityFromRuns(runs, { stack: 'express', throughput: ceiling.throughput });
    const after = withCeiling(capacityFromRuns(runs, undefined), ceiling);
    assert.deepEqual(after, known);
    assert.deepEqual(after.ratioToCeiling, { median: 0.25, min: 0.2, max: 0.3, n: 3 });
  });

  it('refuse to reduce no run at all', () => {
    assert.throws(() => capacityFromRuns([], undefined), /at least one run/);
  });
});

describe('stream figures', () => {
  it('pool per-subscriber timings and sum deliveries over repetitions', () => {
    const { histogram } = latencies(5);
    const run = {
      subscribers: 10,
      published: 100,
      delivered: 990,
      expected: 1_000,
      subscribeMs: [1, 2],
      firstMessageMs: [3],
      messagesPerSecond: 200,
      latency: decodeHistogram(histogram),
      encodedLatency: histogram,
      errors: {},
    };
    const figures = streamFigures([run, { ...run, messagesPerSecond: 100, subscribeMs: [3] }]);
    assert.equal(figures.subscribers, 10);
    assert.deepEqual(figures.subscribeMs, { median: 2, min: 1, max: 3, n: 3 });
    assert.equal(figures.messagesPerSecond.median, 150);
    assert.equal(figures.delivered, 1_980);
    assert.equal(figures.expected, 2_000);
    near(figures.latency.p50.median, 5);
  });

  it('reduce chat rounds to round trip and fan-out latency', () => {
    const round = latencies(2).histogram;
    const fan = latencies(6).histogram;
    const chat = {
      members: 5,
      messages: 100,
      roundTrip: decodeHistogram(round),
      fanOut: decodeHistogram(fan),
      messagesPerSecond: 50,
      encoded: { roundTrip: round, fanOut: fan },
    };
    const figures = bidiFigures([chat, chat]);
    assert.equal(figures.members, 5);
    near(figures.roundTrip.p50.median, 2);
    near(figures.fanOut.p99.median, 6);
    assert.equal(figures.messagesPerSecond.n, 2);
  });
});

describe('default open-loop rate', () => {
  function result(capacity: number | undefined, closedLoop: number[]): ScenarioResult {
    return {
      variant: 'grpc',
      scenario: 'crud-read',
      status: 'ok',
      closedLoop: closedLoop.map((t, i) => ({
        concurrency: 4 ** i,
        throughput: spreadOf(t),
      })) as unknown as ScenarioResult['closedLoop'],
      openLoop: undefined,
      capacity:
        capacity === undefined
          ? undefined
          : ({ throughput: spreadOf(capacity) } as unknown as ScenarioResult['capacity']),
      wire: undefined,
      stream: undefined,
      bidi: undefined,
      itemsPerOp: 1,
    };
  }

  it('is half the client’s best throughput when the client is the slower side', () => {
    assert.equal(defaultOpenLoopRate(result(11_000, [900, 2_400, 2_800, 2_700])), 1_400);
  });
  it('is half the server’s capacity when the server is the slower side', () => {
    assert.equal(defaultOpenLoopRate(result(3_000, [1_000, 4_000])), 1_500);
  });
  it('falls back to what was measured, and to nothing without a figure', () => {
    assert.equal(defaultOpenLoopRate(result(undefined, [2_000])), 1_000);
    assert.equal(defaultOpenLoopRate(result(undefined, [])), undefined);
    assert.equal(defaultOpenLoopRate(undefined), undefined);
    assert.equal(defaultOpenLoopRate(result(12, [])), 10, 'never below 10/s');
  });
});

// Serialization micro-benchmarks: each scenario's payload (real data, read from a server over
// the network) encoded and decoded by each codec, timed with tinybench, with its size raw,
// gzip and brotli. Names are `payload/codec/op`, selectable by regular expression.

import { Bench } from 'tinybench';
import type { MicroResult } from '../shootout/results.ts';
import { fetchMicroData, type MicroData } from './data.ts';
import { CODECS, type CodecName, PAYLOADS, type Payload, type PreparedCodec } from './payloads.ts';
import { assertRoundTrip } from './round-trip.ts';
import { measureSizes, type Sizes } from './sizes.ts';

export { CODECS, PAYLOADS } from './payloads.ts';
export { COMPRESSION } from './sizes.ts';
export type { MicroResult };

export interface MicroOptions {
  /** Dataset scale of the server the data is read from (small, default, large, a number). */
  scale: string;
  seed: number;
  /** Time budget per benchmark (one payload, one codec, one operation), in milliseconds. */
  timeMs: number;
  /** Only payloads whose name matches. */
  payloads?: RegExp | undefined;
  /** Only codecs whose name matches. */
  codecs?: RegExp | undefined;
  /**
   * Data already read over the network (a caller with a server of its own); otherwise a fresh
   * server child process is started for it and stopped.
   */
  data?: MicroData | undefined;
  /** Called before each benchmark starts, e.g. to drive a progress bar. */
  onProgress?: ((name: string, index: number, total: number) => void) | undefined;
}

/** One payload in one codec, checked and sized, ready to time. */
export interface MicroCase {
  payload: Payload;
  codec: CodecName;
  prepared: PreparedCodec;
  bytes: Sizes;
}

/**
 * Every selected (payload, codec) pair, each verified to round-trip to the same domain data
 * before anything is timed (throws on the first one that does not), and sized.
 */
export async function prepareMicroCases(
  data: MicroData,
  filter: { payloads?: RegExp | undefined; codecs?: RegExp | undefined } = {},
): Promise<MicroCase[]> {
  const cases: Omit<MicroCase, 'bytes'>[] = [];
  for (const payload of PAYLOADS) {
    if (filter.payloads && !filter.payloads.test(payload.name)) continue;
    for (const codec of CODECS) {
      if (filter.codecs && !filter.codecs.test(codec)) continue;
      const { domain, codec: prepared } = payload.prepare(data, codec);
      assertRoundTrip(`${payload.name}/${codec}`, domain, prepared.roundTrip());
      cases.push({ payload, codec, prepared });
    }
  }
  const sizes = await Promise.all(cases.map((c) => measureSizes(c.prepared.encoded)));
  return cases.map((c, i) => ({ ...c, bytes: sizes[i] as Sizes }));
}

// Where the timed functions put their results, so that the work cannot be optimised away.
let sink: unknown;

const MIN_SAMPLES = 16;

/**
 * Times one function: warm-up, then samples until both the time budget and a minimum sample
 * count are met. One Bench per function, so that its warm-up runs right before its samples.
 */
async function timeFunction(
  name: string,
  fn: () => unknown,
  timeMs: number,
): Promise<{ opsPerSecond: number; marginPercent: number; samples: number }> {
  const bench = new Bench({
    name,
    time: timeMs,
    iterations: MIN_SAMPLES,
    warmupTime: Math.min(250, timeMs),
    warmupIterations: MIN_SAMPLES,
    timestampProvider: 'hrtimeNow',
    // A small payload encodes in about a microsecond; the clock read is a visible part of that.
    subtractTimerOverhead: true,
    throws: true,
  });
  bench.add(
    name,
    () => {
      sink = fn();
    },
    { async: false },
  );
  const [task] = await bench.run();
  const result = task?.result;
  if (result === undefined || result.state !== 'completed') {
    throw new Error(`${name} did not complete (${result?.state ?? 'no task'})`);
  }
  const { latency } = result;
  return {
    // The mean rate (benchmark.js's hz): operations over the time they took. tinybench's
    // throughput.mean is the mean of per-sample rates, which a few fast samples inflate.
    opsPerSecond: latency.mean > 0 ? 1000 / latency.mean : 0,
    // The relative margin of the mean (95%, Student's t); the rate's is the same to first order.
    marginPercent: latency.rme,
    samples: latency.samplesCount,
  };
}

/** Runs the micro-benchmarks; rows in payload order, then codec order, encode before decode. */
export async function runMicroBenchmarks(options: MicroOptions): Promise<MicroResult[]> {
  const data = options.data ?? (await fetchMicroData({ scale: options.scale, seed: options.seed }));
  const cases = await prepareMicroCases(data, options);
  const total = cases.length * 2;
  const results: MicroResult[] = [];
  let index = 0;
  for (const { payload, codec, prepared, bytes } of cases) {
    for (const operation of ['encode', 'decode'] as const) {
      const name = `${payload.name}/${codec}/${operation}`;
      options.onProgress?.(name, index++, total);
      const timed = await timeFunction(
        name,
        operation === 'encode' ? prepared.encode : prepared.decode,
        options.timeMs,
      );
      results.push({ payload: payload.name, codec, operation, ...timed, bytes: { ...bytes } });
    }
  }
  if (results.length > 0 && sink === undefined) throw new Error('the benchmarks produced nothing');
  return results;
}

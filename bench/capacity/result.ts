// What a capacity run reports, whichever generator produced it: counts, a latency summary from
// an HDR histogram in microseconds (bench/load/histogram.ts), bytes, and the CPU each side used
// during the window, to tell whether the server or the generator saturated first.

import { createHistogram, type LatencySummary, type Spread } from '../load/histogram.ts';
import {
  type Bottleneck,
  classifyBottleneck,
  type ProcessSampler,
  type ProcessStats,
  sampleProcess,
  sampleSelf,
} from '../load/process-stats.ts';

export type { LatencySummary, Spread } from '../load/histogram.ts';
export type { Bottleneck, ProcessStats } from '../load/process-stats.ts';

export interface CapacityResult {
  generator: 'autocannon' | 'h2-generator';
  /** The HTTP/2 generator's engine (h2-common.ts); absent for autocannon. */
  engine?: 'frames' | 'node-http2' | undefined;
  /** Median over the window's samples (one per sampleIntervalMs), in requests per second. */
  throughput: number;
  /** requests / elapsed: what h2load and wrk print. */
  meanThroughput: number;
  /** Per-sample throughput (req/s), in order, for the spread within a run. */
  samples: number[];
  sampleIntervalMs: number;
  /** Responses completed inside the measured window, failed ones included. */
  requests: number;
  /** Responses completed during the warm-up, which no other figure includes. */
  warmupRequests: number;
  /** Responses that succeeded at the HTTP and the protocol level. */
  ok: number;
  /**
   * Transport failures: connection errors, resets, timeouts; for the HTTP/2 generator also
   * requests that could not be sent because their connection was gone (not in `requests`).
   */
  errors: number;
  /** Responses with an HTTP status outside 2xx. */
  non2xx: number;
  /**
   * HTTP 2xx responses that carry a failure: grpc-status other than 0 (trailers, trailers-only
   * headers or a gRPC-Web trailer frame) or a GraphQL `errors` member.
   */
  protocolErrors: number;
  statusCodes: Record<string, number>;
  /** Count per grpc-status, for the gRPC-family checks ('missing' when none came). */
  grpcStatus: Record<string, number>;
  /** Latency of every response of the window, failed ones included. */
  latency: LatencySummary;
  /** The latency histogram in microseconds, bench/load/histogram.ts encoding (mergeable). */
  histogram: string;
  bytesRead: number;
  bytesWritten: number;
  elapsedMs: number;
  connections: number;
  /** Concurrent streams per connection (1 for HTTP/1.1 without pipelining). */
  streams: number;
  /** The generator's own process during the window. */
  generatorCpu: ProcessStats;
  /** The server's process during the window, when its pid was given. */
  serverCpu?: ProcessStats | undefined;
  /** Which side ran out of CPU first; 'generator' means the figure is not the server's. */
  bottleneck: Bottleneck;
  /** The first connection-level failure of the HTTP/2 generator, when there was one. */
  firstError?: string | undefined;
}

/** A latency histogram of microseconds, the shared shape (1 µs .. 60 s, 3 digits). */
export const createLatencyHistogram = createHistogram;

/** The sample interval for a window: one per second, or ten samples in a short window. */
export function chooseSampleInterval(durationMs: number): number {
  return durationMs >= 3_000 ? 1_000 : Math.max(50, Math.floor(durationMs / 10));
}

export interface CpuWindow {
  stop(): Promise<{
    generator: ProcessStats;
    server?: ProcessStats | undefined;
    bottleneck: Bottleneck;
  }>;
}

/** Starts measuring this process's CPU, and a server's by pid, over a window from now. */
export async function watchCpu(serverPid?: number): Promise<CpuWindow> {
  let server: ProcessSampler | undefined;
  if (serverPid !== undefined) {
    try {
      server = await sampleProcess(serverPid);
    } catch {
      server = undefined;
    }
  }
  const self = sampleSelf();
  return {
    async stop() {
      const generator = await self.stop();
      const serverStats = await server?.stop();
      return {
        generator,
        server: serverStats,
        bottleneck: classifyBottleneck({
          serverUtil: serverStats?.utilisation ?? 0,
          generatorUtil: generator.utilisation,
        }),
      };
    },
  };
}

export function roundSpread(values: Spread, digits = 3): Spread {
  const scale = 10 ** digits;
  const round = (v: number) => Math.round(v * scale) / scale;
  return {
    median: round(values.median),
    min: round(values.min),
    max: round(values.max),
    n: values.n,
  };
}

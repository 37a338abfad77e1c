// What both HTTP/2 load engines share: the options, the counters a completed stream lands in,
// and the run itself (warm-up, measured window, drain), so that they differ only in how they
// put requests on the wire.

import { encodeHistogram, recordMs, spread, summarize } from '../load/histogram.ts';
import { parseTrailerStatus } from './responses.ts';
import {
  type CapacityResult,
  chooseSampleInterval,
  createLatencyHistogram,
  watchCpu,
} from './result.ts';
import type { RequestSpec, SuccessCheck } from './spec.ts';

/**
 * - frames: HTTP/2 frames written and parsed in this process over a plain TCP socket, request
 *   frames pre-encoded once (stateless HPACK), batched per read: h2load's way, in JavaScript.
 * - node-http2: node:http2 client sessions and streams, what a Node application uses.
 */
export type H2Engine = 'frames' | 'node-http2';

export interface H2LoadOptions {
  /** `http://host:port` of an h2c (prior knowledge) server. */
  authority: string;
  /** Rotated in order by every stream lane. */
  requests: readonly RequestSpec[];
  /** HTTP/2 connections (h2load -c). */
  connections: number;
  /** Streams in flight per connection (h2load -m); capped at the server's SETTINGS limit. */
  streams: number;
  durationMs: number;
  /** Load before the window, on the same connections, not counted (h2load --warm-up-time). */
  warmupMs: number;
  /** Default 'frames'. */
  engine?: H2Engine | undefined;
  /** The server's pid, to report its CPU over the measured window. */
  serverPid?: number | undefined;
  /** Specs sent once and fully decoded before the run (0: none); default 2. */
  preflight?: number | undefined;
  sampleIntervalMs?: number | undefined;
  /** How long streams still open at the end of the window may take before being cut. */
  drainMs?: number | undefined;
}

/** Counters of one run; reset when the warm-up ends. */
export interface Tally {
  completed: number;
  ok: number;
  errors: number;
  non2xx: number;
  protocolErrors: number;
  statusCodes: Record<string, number>;
  grpcStatus: Record<string, number>;
  sampleCount: number;
}

function createTally(): Tally {
  return {
    completed: 0,
    ok: 0,
    errors: 0,
    non2xx: 0,
    protocolErrors: 0,
    statusCodes: {},
    grpcStatus: {},
    sampleCount: 0,
  };
}

/** The last bytes of a response body, read only when a check needs them. */
export interface TailSource {
  bodyTail(): string;
}

/** grpc-status of the gRPC-Web trailer frame at the end of a body, or 'missing'. */
export function findTrailerStatus(tail: string): string {
  const at = tail.lastIndexOf('grpc-status:');
  const status = at < 0 ? undefined : parseTrailerStatus(tail.slice(at));
  return status === undefined ? 'missing' : String(status);
}

/** The state of one run that every stream of every connection reports to. */
export class Run {
  tally = createTally();
  readonly histogram = createLatencyHistogram();
  measuring = false;
  stopping = false;
  warmupCompleted = 0;
  /** Streams in flight. */
  active = 0;
  onIdle: (() => void) | undefined;

  /** A stream has ended: count it if the window is open. `status` 0 means no response. */
  complete(
    startedAt: number,
    status: number,
    grpc: string | undefined,
    failed: boolean,
    check: SuccessCheck,
    tail: TailSource,
  ): void {
    this.active--;
    if (this.measuring) this.record(startedAt, status, grpc, failed, check, tail);
    else if (!this.stopping) this.warmupCompleted++;
    if (this.stopping && this.active === 0) this.onIdle?.();
  }

  /** A stream that could not even start (its connection is gone). */
  refuse(): void {
    if (this.measuring) this.tally.errors++;
  }

  private record(
    startedAt: number,
    status: number,
    grpc: string | undefined,
    failed: boolean,
    check: SuccessCheck,
    tail: TailSource,
  ): void {
    const tally = this.tally;
    tally.completed++;
    tally.sampleCount++;
    recordMs(this.histogram, performance.now() - startedAt);
    if (status === 0) {
      tally.errors++;
      return;
    }
    tally.statusCodes[status] = (tally.statusCodes[status] ?? 0) + 1;
    if (status < 200 || status > 299) {
      tally.non2xx++;
      return;
    }
    let ok = !failed;
    if (check === 'grpc') {
      ok = this.countGrpc(grpc ?? 'missing') && ok;
    } else if (check === 'grpc-web') {
      ok = this.countGrpc(grpc ?? findTrailerStatus(tail.bodyTail())) && ok;
    } else if (check === 'graphql') {
      ok = !tail.bodyTail().includes('"errors":') && ok;
    }
    if (ok) tally.ok++;
    else tally.protocolErrors++;
  }

  private countGrpc(code: string): boolean {
    const { grpcStatus } = this.tally;
    grpcStatus[code] = (grpcStatus[code] ?? 0) + 1;
    return code === '0';
  }
}

/** An engine's connections, opened and ready for their lanes. */
export interface EngineConnections {
  /** Streams per connection after the server's SETTINGS_MAX_CONCURRENT_STREAMS. */
  readonly streams: number;
  /** Starts every lane on every connection. */
  start(): void;
  /** Bytes on the wire so far, all connections together. */
  bytes(): { read: number; written: number };
  /** Cuts every connection. */
  destroy(): void;
  /** The first connection-level failure, if any (GOAWAY, reset, a protocol error). */
  firstError?(): string | undefined;
}

/** Warm-up, measured window and drain around an engine's load; the result of the window. */
export async function measureWindow(
  run: Run,
  connections: EngineConnections,
  options: H2LoadOptions,
): Promise<CapacityResult> {
  const sampleIntervalMs = options.sampleIntervalMs ?? chooseSampleInterval(options.durationMs);
  try {
    connections.start();
    await sleep(options.warmupMs);
    run.tally = createTally();
    run.histogram.reset();
    const bytesAtStart = connections.bytes();
    const cpu = await watchCpu(options.serverPid);
    const samples: number[] = [];
    const windowStart = performance.now();
    run.measuring = true;
    const sampler = setInterval(() => {
      samples.push((run.tally.sampleCount * 1000) / sampleIntervalMs);
      run.tally.sampleCount = 0;
    }, sampleIntervalMs);

    await sleep(options.durationMs);
    run.measuring = false;
    run.stopping = true;
    const elapsedMs = performance.now() - windowStart;
    const bytesAtEnd = connections.bytes();
    clearInterval(sampler);
    const usage = await cpu.stop();
    const tally = run.tally;
    const latency = summarize(run.histogram);
    const histogram = encodeHistogram(run.histogram);

    // Streams still open finish (or are cut) before the connections close.
    if (run.active > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.drainMs ?? 1_000);
        run.onIdle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }

    const meanThroughput = (tally.completed * 1000) / elapsedMs;
    return {
      generator: 'h2-generator',
      engine: options.engine ?? 'frames',
      throughput: samples.length > 0 ? spread(samples).median : meanThroughput,
      meanThroughput,
      samples,
      sampleIntervalMs,
      requests: tally.completed,
      warmupRequests: run.warmupCompleted,
      ok: tally.ok,
      errors: tally.errors,
      non2xx: tally.non2xx,
      protocolErrors: tally.protocolErrors,
      statusCodes: tally.statusCodes,
      grpcStatus: tally.grpcStatus,
      latency,
      histogram,
      bytesRead: bytesAtEnd.read - bytesAtStart.read,
      bytesWritten: bytesAtEnd.written - bytesAtStart.written,
      elapsedMs: Math.round(elapsedMs),
      connections: options.connections,
      streams: connections.streams,
      generatorCpu: usage.generator,
      serverCpu: usage.server,
      bottleneck: usage.bottleneck,
      firstError: connections.firstError?.(),
    };
  } finally {
    run.stopping = true;
    run.measuring = false;
    connections.destroy();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Closed-loop HTTP/1.1 capacity with autocannon 9 (REST, GraphQL, Connect and gRPC-Web over
// HTTP/1.1): pre-encoded requests rotated over keep-alive connections, no pipelining, a warm-up
// run discarded, every response's HTTP and protocol status counted.

import autocannon from 'autocannon';
import { encodeHistogram, recordMs, spread, summarize } from '../load/histogram.ts';
import { verifySpecs } from './responses.ts';
import {
  type CapacityResult,
  type CpuWindow,
  chooseSampleInterval,
  createLatencyHistogram,
  watchCpu,
} from './result.ts';
import type { RequestSpec } from './spec.ts';

export interface AutocannonOptions {
  /** `http://host:port` */
  origin: string;
  /** Rotated in order by every connection. */
  requests: readonly RequestSpec[];
  connections: number;
  durationMs: number;
  /** A run of this length on the same connections count, before and apart from the measured one. */
  warmupMs: number;
  /** Per-request timeout (autocannon counts it as an error), whole seconds, default 10. */
  timeoutSeconds?: number | undefined;
  /** The server's pid, to report its CPU over the measured window. */
  serverPid?: number | undefined;
  /** Specs sent once and fully decoded before the run (0: none); default 2. */
  preflight?: number | undefined;
  sampleIntervalMs?: number | undefined;
}

// autocannon 9 runs a warm-up when given `warmup: { duration }` (seconds) and no callback: a
// separate run with its own clients, whose result lands in `result.warmup`. @types/autocannon
// 7 does not know the option.
type OptionsWithWarmup = autocannon.Options & { warmup?: { duration: number } };

/** The part of autocannon's client this module reads: the socket of its connection. */
interface ClientWithSocket {
  conn?: { bytesWritten: number; bytesRead: number } | undefined;
}

const GRPC_STATUS_IN_BODY = /grpc-status:\s*(\d+)/;

/** Closed-loop capacity of an HTTP/1.1 server for pre-encoded requests. */
export async function runAutocannon(options: AutocannonOptions): Promise<CapacityResult> {
  if (options.requests.length === 0) throw new Error('runAutocannon needs at least one request');
  await verifySpecs(options.origin, options.requests, 'h1', options.preflight ?? 2);

  const sampleIntervalMs = options.sampleIntervalMs ?? chooseSampleInterval(options.durationMs);
  const histogram = createLatencyHistogram();
  const grpcStatus: Record<string, number> = {};
  const clients: ClientWithSocket[] = [];
  let measuring = false;
  let protocolErrors = 0;
  let responses = 0;
  let sampleCount = 0;
  const samples: number[] = [];

  const countGrpcStatus = (code: string) => {
    grpcStatus[code] = (grpcStatus[code] ?? 0) + 1;
    if (code !== '0') protocolErrors++;
  };
  // Body checks only where the HTTP status cannot tell: autocannon hands onResponse the body as
  // a string and converts the headers for every response, a cost not worth paying elsewhere.
  const toRequest = (spec: RequestSpec): autocannon.Request => {
    const request: autocannon.Request = {
      method: spec.method,
      path: spec.path,
      headers: { ...spec.headers },
      body: spec.body,
    };
    if (spec.check === 'graphql') {
      request.onResponse = (status, body) => {
        // A JSON string value cannot hold an unescaped `"errors":`, so the key is found only
        // where the response has one.
        if (measuring && status >= 200 && status < 300 && body.includes('"errors":')) {
          protocolErrors++;
        }
      };
    } else if (spec.check === 'grpc-web' || spec.check === 'grpc') {
      request.onResponse = (status, body, _context, headers) => {
        if (!measuring || status < 200 || status > 299) return;
        // Trailers-only answers (most errors) put grpc-status in the headers.
        const header = headers?.['grpc-status'];
        if (typeof header === 'string') return countGrpcStatus(header);
        const match = GRPC_STATUS_IN_BODY.exec(body);
        countGrpcStatus(match?.[1] ?? 'missing');
      };
    }
    return request;
  };

  const config: OptionsWithWarmup = {
    url: options.origin,
    connections: options.connections,
    pipelining: 1,
    duration: options.durationMs / 1000,
    timeout: options.timeoutSeconds ?? 10,
    sampleInt: sampleIntervalMs,
    requests: options.requests.map(toRequest),
    setupClient: (client) => {
      clients.push(client as unknown as ClientWithSocket);
    },
  };
  if (options.warmupMs > 0) config.warmup = { duration: options.warmupMs / 1000 };

  // The instance returned with a warm-up is the measured run's: its events start after the
  // warm-up's clients are gone.
  // Without a callback autocannon returns its instance made thenable (the types say Promise).
  const instance = autocannon(config) as unknown as autocannon.Instance &
    PromiseLike<autocannon.Result>;
  let cpu: Promise<CpuWindow> | undefined;
  let startedAt = 0;
  let sampler: NodeJS.Timeout | undefined;
  instance.on('start', () => {
    measuring = true;
    // Warm-up clients came through setupClient too: the measured run's are the last ones made.
    clients.splice(0, clients.length - options.connections);
    startedAt = performance.now();
    cpu = watchCpu(options.serverPid);
    sampler = setInterval(() => {
      samples.push((sampleCount * 1000) / sampleIntervalMs);
      sampleCount = 0;
    }, sampleIntervalMs);
  });
  instance.on('response', (_client, _status, _bytes, responseTimeMs) => {
    responses++;
    sampleCount++;
    // autocannon's own histogram records whole milliseconds; keep its per-response time in µs.
    recordMs(histogram, responseTimeMs);
  });

  const result = (await instance) as autocannon.Result & { warmup?: autocannon.Result };
  const elapsedMs = performance.now() - startedAt;
  const usage = await (await cpu)?.stop();
  clearInterval(sampler);

  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = (stats as { count: number }).count;
  }
  let bytesWritten = 0;
  for (const client of clients) bytesWritten += client.conn?.bytesWritten ?? 0;
  const meanThroughput = (responses * 1000) / elapsedMs;

  return {
    generator: 'autocannon',
    throughput: samples.length > 0 ? spread(samples).median : meanThroughput,
    meanThroughput,
    samples,
    sampleIntervalMs,
    requests: responses,
    warmupRequests: result.warmup?.requests.total ?? 0,
    ok: Math.max(0, responses - result.non2xx - protocolErrors),
    errors: result.errors,
    non2xx: result.non2xx,
    protocolErrors,
    statusCodes,
    grpcStatus,
    latency: summarize(histogram),
    histogram: encodeHistogram(histogram),
    bytesRead: result.throughput.total,
    bytesWritten,
    elapsedMs: Math.round(elapsedMs),
    connections: options.connections,
    streams: 1,
    // 'start' always comes before the result, so the window was measured.
    generatorCpu: usage!.generator,
    serverCpu: usage?.server,
    bottleneck: usage!.bottleneck,
  };
}

// Closed-loop HTTP/2 capacity (gRPC, Connect and gRPC-Web over h2c), the counterpart of
// autocannon for HTTP/2 and of `h2load -c C -m M`: C connections with M streams in flight each,
// pre-encoded requests, warm-up discarded, HDR latency, HTTP and gRPC status counted.
//
// Written by hand: no maintained Node library generates HTTP/2 load from pre-encoded gRPC
// frames (autocannon speaks HTTP/1.1 only; ghz and h2load are native binaries, and h2load cannot
// read grpc-status). h2load is the yardstick it is checked against (h2load.ts).
//
// Two engines: 'frames' (h2-frames.ts, the default) writes and parses HTTP/2 frames itself:
// about 5 µs of CPU per request on the development machine, as h2load; 'node-http2' (this
// file) drives node:http2 client streams: about 75 µs per request in node's own code (a stream
// object, a header copy and validation, an async resource per request), more than a grpc-js
// server spends answering GetBook (about 55 µs), so on one core it saturates first and reaches
// 0.6 of h2load's throughput on that server, against 1.0 for the frame engine.

import * as http2 from 'node:http2';
import * as net from 'node:net';
import {
  type EngineConnections,
  type H2LoadOptions,
  measureWindow,
  Run,
  type TailSource,
} from './h2-common.ts';
import { openFrameConnections } from './h2-frames.ts';
import { verifySpecs } from './responses.ts';
import type { CapacityResult } from './result.ts';
import type { RequestSpec, SuccessCheck } from './spec.ts';

export type { H2Engine, H2LoadOptions } from './h2-common.ts';

/** Closed-loop HTTP/2 capacity of a server for pre-encoded requests. */
export async function runH2Load(options: H2LoadOptions): Promise<CapacityResult> {
  if (options.requests.length === 0) throw new Error('runH2Load needs at least one request');
  await verifySpecs(options.authority, options.requests, 'h2', options.preflight ?? 2);
  const run = new Run();
  const connections =
    (options.engine ?? 'frames') === 'frames'
      ? await openFrameConnections(run, options)
      : await openNodeConnections(run, options);
  return measureWindow(run, connections, options);
}

/** A request ready for node:http2: pseudo-headers included, one options object for every send. */
interface Prepared {
  headers: http2.OutgoingHttpHeaders;
  options: http2.ClientSessionRequestOptions;
  body: Buffer;
  check: SuccessCheck;
}

const NO_BODY_OPTIONS: http2.ClientSessionRequestOptions = { endStream: true };
const BODY_OPTIONS: http2.ClientSessionRequestOptions = { endStream: false };
// h2load's default windows (-w 30 -W 30): flow control never throttles the responses.
const WINDOW = 2 ** 30 - 1;

function prepare(spec: RequestSpec, authority: string): Prepared {
  const url = new URL(authority);
  return {
    headers: {
      ':method': spec.method,
      ':scheme': 'http',
      ':authority': url.host,
      ':path': spec.path,
      ...spec.headers,
    },
    options: spec.body.length > 0 || spec.method !== 'GET' ? BODY_OPTIONS : NO_BODY_OPTIONS,
    body: spec.body,
    check: spec.check,
  };
}

/**
 * One stream slot of a session: sends a request, waits for its end, sends the next. Its event
 * handlers are bound once and reused for every stream, so a request allocates only what
 * node:http2 itself allocates.
 */
class Lane implements TailSource {
  private next: number;
  private startedAt = 0;
  private status = 0;
  private grpc: string | undefined;
  private failed = false;
  private lastChunk: Buffer | undefined;
  private previousChunk: Buffer | undefined;
  private check: SuccessCheck = 'http';

  constructor(
    private readonly run: Run,
    private readonly prepared: readonly Prepared[],
    private readonly session: http2.ClientHttp2Session,
    offset: number,
  ) {
    this.next = offset % prepared.length;
    this.onResponse = this.onResponse.bind(this);
    this.onTrailers = this.onTrailers.bind(this);
    this.onData = this.onData.bind(this);
    this.onError = this.onError.bind(this);
    this.onClose = this.onClose.bind(this);
  }

  send(): void {
    const request = this.prepared[this.next] as Prepared;
    this.next = this.next + 1 === this.prepared.length ? 0 : this.next + 1;
    this.status = 0;
    this.grpc = undefined;
    this.failed = false;
    this.lastChunk = undefined;
    this.previousChunk = undefined;
    this.check = request.check;
    // The session is gone (GOAWAY, reset): this lane stops. Node 20 throws from request() on
    // such a session; Node 24 returns a stream that fails on the next tick instead, and a lane
    // that sent again from its 'close' would spin on nextTick without ever yielding to timers.
    if (this.session.closed || this.session.destroyed) {
      this.run.refuse();
      return;
    }
    let stream: http2.ClientHttp2Stream;
    try {
      stream = this.session.request(request.headers, request.options);
    } catch {
      this.run.refuse();
      return;
    }
    this.run.active++;
    this.startedAt = performance.now();
    stream.on('response', this.onResponse);
    stream.on('error', this.onError);
    stream.on('close', this.onClose);
    // Listeners only where the check reads something: each costs a registration per request.
    if (request.check === 'grpc' || request.check === 'grpc-web') {
      stream.on('trailers', this.onTrailers);
    }
    if (request.check === 'http' || request.check === 'grpc') stream.resume();
    else stream.on('data', this.onData);
    if (request.options !== NO_BODY_OPTIONS) stream.end(request.body);
  }

  bodyTail(): string {
    const last = this.lastChunk?.toString('latin1') ?? '';
    return this.previousChunk ? this.previousChunk.toString('latin1') + last : last;
  }

  private onResponse(headers: http2.IncomingHttpHeaders): void {
    this.status = Number(headers[':status']);
    // A trailers-only answer (how gRPC sends most errors) has grpc-status among the headers.
    const grpc = headers['grpc-status'];
    if (typeof grpc === 'string') this.grpc = grpc;
  }

  private onTrailers(trailers: http2.IncomingHttpHeaders): void {
    const grpc = trailers['grpc-status'];
    if (typeof grpc === 'string') this.grpc = grpc;
  }

  private onData(chunk: Buffer): void {
    this.previousChunk = this.lastChunk;
    this.lastChunk = chunk;
  }

  private onError(): void {
    this.failed = true;
  }

  private onClose(): void {
    this.run.complete(this.startedAt, this.status, this.grpc, this.failed, this.check, this);
    if (!this.run.stopping) this.send();
  }
}

interface OpenSession {
  session: http2.ClientHttp2Session;
  socket: net.Socket;
  /** The server's SETTINGS_MAX_CONCURRENT_STREAMS. */
  maxStreams: number;
}

async function openSession(authority: string, run: Run): Promise<OpenSession> {
  const url = new URL(authority);
  const socket = net.connect({ host: url.hostname, port: Number(url.port) });
  socket.setNoDelay(true);
  const session = http2.connect(authority, {
    createConnection: () => socket,
    settings: { enablePush: false, initialWindowSize: WINDOW },
  });
  session.on('error', () => run.refuse());
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no HTTP/2 SETTINGS from ${authority}`)),
      5_000,
    );
    session.once('remoteSettings', () => {
      clearTimeout(timer);
      resolve();
    });
    session.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  session.setLocalWindowSize(WINDOW);
  const maxStreams = session.remoteSettings.maxConcurrentStreams ?? 2 ** 31 - 1;
  return { session, socket, maxStreams };
}

async function openNodeConnections(run: Run, options: H2LoadOptions): Promise<EngineConnections> {
  const prepared = options.requests.map((spec) => prepare(spec, options.authority));
  const sessions: OpenSession[] = [];
  try {
    for (let c = 0; c < options.connections; c++) {
      sessions.push(await openSession(options.authority, run));
    }
  } catch (err) {
    for (const { session } of sessions) session.destroy();
    throw err;
  }
  const streams = Math.min(options.streams, ...sessions.map((s) => s.maxStreams));
  return {
    streams,
    start() {
      // Lanes start at spread offsets so that sessions do not send the same id in lockstep.
      let lane = 0;
      for (const { session } of sessions) {
        for (let m = 0; m < streams; m++) new Lane(run, prepared, session, lane++ * 7919).send();
      }
    },
    bytes() {
      let read = 0;
      let written = 0;
      for (const { socket } of sessions) {
        read += socket.bytesRead;
        written += socket.bytesWritten;
      }
      return { read, written };
    },
    destroy() {
      for (const { session } of sessions) session.destroy();
    },
  };
}

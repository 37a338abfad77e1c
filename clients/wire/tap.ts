// A WireTap is an in-process TCP proxy in front of one server: a client pointed at its port
// has every byte it writes and reads recorded, per connection and direction, with the time it
// crossed. It makes a client's traffic observable whatever library hides its sockets (grpc-js,
// undici, connect-node's http2), and it is what the parsers read.

import { once } from 'node:events';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Direction } from './types.ts';

export type TapRecord =
  | { kind: 'open'; seq: number; conn: number; at: number; target: string }
  | {
      kind: 'data';
      seq: number;
      conn: number;
      dir: Direction;
      offset: number;
      bytes: Buffer;
      at: number;
    }
  | { kind: 'end'; seq: number; conn: number; dir: Direction; at: number }
  | { kind: 'close'; seq: number; conn: number; at: number };

type NewRecord = TapRecord extends infer R ? (R extends TapRecord ? Omit<R, 'seq'> : never) : never;

/** A position in a recording. */
export interface TapMark {
  seq: number;
  at: number;
}

export interface TapTotals {
  connections: number;
  request: number;
  response: number;
}

/**
 * The records of one or more taps, in the order they happened. Several taps share one
 * recording when a client talks to several servers; connection ids are unique within it.
 */
export class WireRecording {
  private records: TapRecord[] = [];
  private nextSeq = 0;
  private nextConn = 1;
  private listeners = new Set<() => void>();
  private recordingOn = true;
  /** Bumped whenever recording is switched off: connections of an older epoch stop. */
  private epoch = 0;
  readonly totals: TapTotals = { connections: 0, request: 0, response: 0 };

  /** Whether new connections are recorded. Switching off stops every recorded connection too. */
  get recording(): boolean {
    return this.recordingOn;
  }

  set recording(on: boolean) {
    if (this.recordingOn && !on) this.epoch += 1;
    this.recordingOn = on;
  }

  /** A connection id and the epoch its recording belongs to (undefined: not recorded). */
  openConnection(): { conn: number; epoch: number | undefined } {
    this.totals.connections += 1;
    return { conn: this.nextConn++, epoch: this.recordingOn ? this.epoch : undefined };
  }

  isRecorded(epoch: number | undefined): boolean {
    return epoch !== undefined && epoch === this.epoch && this.recordingOn;
  }

  add(record: NewRecord): void {
    this.records.push({ ...record, seq: this.nextSeq++ } as TapRecord);
    for (const listener of this.listeners) listener();
  }

  count(dir: Direction, bytes: number): void {
    this.totals[dir] += bytes;
  }

  mark(): TapMark {
    return { seq: this.nextSeq, at: performance.now() };
  }

  /** Records from `mark` on (kept until discarded). */
  since(mark: TapMark): TapRecord[] {
    const first = this.records[0];
    if (first === undefined) return [];
    return this.records.slice(Math.max(0, mark.seq - first.seq));
  }

  /** Forgets the records before `mark`. */
  discard(mark: TapMark): void {
    const first = this.records[0];
    if (first === undefined) return;
    this.records.splice(0, Math.max(0, mark.seq - first.seq));
  }

  /** Calls `listener` after every new record; returns the unsubscribe function. */
  onRecord(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export interface WireTapOptions {
  /** The server to forward to. */
  target: { host: string; port: number };
  /** Share a recording with other taps (default: a recording of its own). */
  recording?: WireRecording | undefined;
  /** Address to listen on (default 127.0.0.1). */
  host?: string | undefined;
}

export interface TapSince {
  records: TapRecord[];
  chunks: Extract<TapRecord, { kind: 'data' }>[];
  connections: Extract<TapRecord, { kind: 'open' }>[];
}

export class WireTap {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly recording: WireRecording,
    readonly target: { host: string; port: number },
    readonly host: string,
    readonly port: number,
  ) {}

  static async start(options: WireTapOptions): Promise<WireTap> {
    const recording = options.recording ?? new WireRecording();
    const host = options.host ?? '127.0.0.1';
    // Half-open: a client that ends its side (an HTTP/1.1 body read until close, a gRPC client
    // half-close is in-band) must still read the rest.
    const server = createServer({ allowHalfOpen: true, noDelay: true });
    server.listen(0, host);
    await once(server, 'listening');
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('tap has no port');
    const tap = new WireTap(server, recording, options.target, host, address.port);
    server.on('connection', (client) => tap.accept(client));
    return tap;
  }

  /** The tap's address as `host:port`. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get totals(): TapTotals {
    return this.recording.totals;
  }

  mark(): TapMark {
    return this.recording.mark();
  }

  since(mark: TapMark): TapSince {
    const records = this.recording.since(mark);
    return {
      records,
      chunks: records.filter((r): r is Extract<TapRecord, { kind: 'data' }> => r.kind === 'data'),
      connections: records.filter(
        (r): r is Extract<TapRecord, { kind: 'open' }> => r.kind === 'open',
      ),
    };
  }

  private accept(client: Socket): void {
    const recording = this.recording;
    const { conn, epoch } = recording.openConnection();
    const upstream = tcpConnect({
      host: this.target.host,
      port: this.target.port,
      allowHalfOpen: true,
      noDelay: true,
    });
    this.sockets.add(client);
    this.sockets.add(upstream);
    if (recording.isRecorded(epoch)) {
      recording.add({
        kind: 'open',
        conn,
        at: performance.now(),
        target: `${this.target.host}:${this.target.port}`,
      });
    }
    const offsets: Record<Direction, number> = { request: 0, response: 0 };
    const observe = (source: Socket, dir: Direction) => {
      source.on('data', (bytes: Buffer) => {
        recording.count(dir, bytes.length);
        if (recording.isRecorded(epoch)) {
          recording.add({
            kind: 'data',
            conn,
            dir,
            offset: offsets[dir],
            bytes,
            at: performance.now(),
          });
        }
        offsets[dir] += bytes.length;
      });
      source.on('end', () => {
        if (recording.isRecorded(epoch)) {
          recording.add({ kind: 'end', conn, dir, at: performance.now() });
        }
      });
    };
    // The recording listeners go first, so a chunk is recorded before it is forwarded and so
    // before any answer to it can come back.
    observe(client, 'request');
    observe(upstream, 'response');
    // pipe() gives backpressure both ways and forwards a half-close as end().
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    let open = 2;
    const closed = (socket: Socket) => {
      this.sockets.delete(socket);
      open -= 1;
      if (open === 0 && recording.isRecorded(epoch)) {
        recording.add({ kind: 'close', conn, at: performance.now() });
      }
    };
    client.on('close', () => {
      closed(client);
      // The client is gone: nobody will read what the server still sends.
      upstream.destroy();
    });
    upstream.on('close', (hadError) => {
      closed(upstream);
      if (hadError) client.destroy();
    });
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Starts a tap in front of `host:port`. */
export function startWireTap(options: WireTapOptions): Promise<WireTap> {
  return WireTap.start(options);
}

// Turns a recording into accounts: one parser per connection (HTTP/1.1 or HTTP/2, told apart
// by the client preface), fed records in the order they crossed the tap, and windows that
// collect what happened between two cuts: bytes per direction and layer, events, exchanges.

import { Http1Connection } from './http1.ts';
import { HTTP2_PREFACE, Http2Connection } from './http2.ts';
import type { TapRecord } from './tap.ts';
import {
  type Direction,
  emptyLayers,
  LAYERS,
  type Layer,
  type LayerCounts,
  type MessageEvent,
  type UnitEvent,
  type WireEvent,
  type WireSink,
} from './types.ts';

export interface WindowDirection {
  /** Bytes that crossed the tap. */
  raw: number;
  layers: LayerCounts;
  /** Received but not parsed yet (a frame cut at the end of the window). */
  unparsed: number;
  /** Header and trailer bytes once decoded (HTTP/2: HPACK-decoded octets). */
  headersDecoded: number;
  /** Messages (excluding trailer carriers such as the gRPC-Web trailer frame). */
  messages: number;
}

export interface WireWindow {
  request: WindowDirection;
  response: WindowDirection;
  /** Connections opened in the window (ids). */
  connectionsOpened: number[];
  /** HTTP/1.1 requests sent in the window. */
  httpRequests: number;
  /** HTTP/2 streams the client opened in the window. */
  streams: number;
  /** Every event completed in the window, in order. */
  events: WireEvent[];
  /** Protocol of each connection that carried bytes in the window. */
  protocols: Record<number, 'http1' | 'http2'>;
  /** Every connection that carried bytes or opened in the window. */
  connections: WindowConnection[];
  /** Problems the parsers met (empty when all bytes made sense). */
  errors: string[];
  /** Messages cut short on purpose or by accident (a cancelled stream, a reset). */
  cutShort: string[];
  /** Per connection, where each direction stood when the window opened (absent: at 0). */
  startOffsets: Map<number, Record<Direction, number>>;
}

type Protocol = 'http1' | 'http2';

export interface WindowConnection {
  conn: number;
  protocol: Protocol | undefined;
  /** The server the tap forwarded to (`host:port`). */
  target: string | undefined;
  /** Opened in this window. */
  opened: boolean;
  request: number;
  response: number;
}

class ConnectionParser {
  protocol: Protocol | undefined;
  private impl: Http1Connection | Http2Connection | undefined;
  private held: { dir: Direction; bytes: Buffer; offset: number }[] = [];
  private heldEnds: Direction[] = [];
  private start = Buffer.alloc(0);
  private readonly ended: Record<Direction, boolean> = { request: false, response: false };
  readonly received: Record<Direction, number> = { request: 0, response: 0 };

  constructor(
    private readonly conn: number,
    private readonly sink: WireSink,
    private readonly now: () => number,
    readonly target: string | undefined = undefined,
  ) {}

  push(dir: Direction, bytes: Buffer, offset: number): void {
    this.received[dir] = offset + bytes.length;
    if (this.impl) {
      this.impl.push(dir, bytes, offset);
      return;
    }
    this.held.push({ dir, bytes, offset });
    if (dir === 'request') {
      this.start = Buffer.concat([this.start, bytes]).subarray(0, HTTP2_PREFACE.length);
      const n = this.start.length;
      if (!this.start.equals(HTTP2_PREFACE.subarray(0, n))) this.decide('http1');
      else if (n === HTTP2_PREFACE.length) this.decide('http2');
    }
  }

  end(dir: Direction): void {
    if (this.ended[dir]) return;
    this.ended[dir] = true;
    if (this.impl) this.impl.end(dir);
    else this.heldEnds.push(dir);
  }

  close(): void {
    // Bytes that never told their protocol (fewer than the preface's 24): read as HTTP/1.1.
    if (!this.impl && this.held.length > 0) this.decide('http1');
    // A reset connection has no FIN: its directions end here.
    this.end('request');
    this.end('response');
    this.impl?.close();
  }

  private decide(protocol: Protocol): void {
    this.protocol = protocol;
    const ctx = { sink: this.sink, conn: this.conn, now: this.now };
    this.impl = protocol === 'http2' ? new Http2Connection(ctx) : new Http1Connection(ctx);
    for (const { dir, bytes, offset } of this.held.splice(0)) this.impl.push(dir, bytes, offset);
    for (const dir of this.heldEnds.splice(0)) this.impl.end(dir);
  }
}

class WindowBuilder implements WireSink {
  readonly layers: Record<Direction, LayerCounts> = {
    request: emptyLayers(),
    response: emptyLayers(),
  };
  readonly events: WireEvent[] = [];
  readonly errors: string[] = [];
  readonly cuts: string[] = [];
  readonly connectionsOpened: number[] = [];
  readonly open = new Set<string>();
  httpRequests = 0;
  streams = 0;

  constructor(
    /** Per connection, where each direction stood when the window opened. */
    readonly startOffsets: Map<number, Record<Direction, number>>,
  ) {}

  startOf(conn: number, dir: Direction): number {
    return this.startOffsets.get(conn)?.[dir] ?? 0;
  }

  segment(conn: number, dir: Direction, offset: number, length: number, layer: Layer): void {
    // Bytes that arrived before the window opened were counted (as unparsed) by the window
    // they arrived in.
    const from = Math.max(offset, this.startOf(conn, dir));
    const end = offset + length;
    if (end > from) this.layers[dir][layer] += end - from;
  }

  event(event: WireEvent): void {
    this.events.push(event);
  }

  exchangeOpened(exchange: string, protocol: Protocol): void {
    this.open.add(exchange);
    if (protocol === 'http1') this.httpRequests += 1;
    else this.streams += 1;
  }

  exchangeClosed(exchange: string): void {
    this.open.delete(exchange);
  }

  error(message: string): void {
    this.errors.push(message);
  }

  cutShort(message: string): void {
    this.cuts.push(message);
  }
}

/** The bytes of a unit event that fall inside the window it was completed in. */
export function clippedLength(event: UnitEvent, window: WireWindow): number {
  const start = window.startOffsets.get(event.conn)?.[event.dir] ?? 0;
  const from = Math.max(event.offset, start);
  return Math.max(0, event.offset + event.length - from);
}

export function isUnitEvent(event: WireEvent): event is UnitEvent {
  return event.kind !== 'message';
}

export function isMessageEvent(event: WireEvent): event is MessageEvent {
  return event.kind === 'message';
}

export class WireAnalyzer {
  private readonly connections = new Map<number, ConnectionParser>();
  private window: WindowBuilder = new WindowBuilder(new Map());
  /** Connections closed in the current window: forgotten once it is cut. */
  private readonly closed: number[] = [];
  private currentAt = 0;
  private readonly now = () => this.currentAt;
  /** What parsers report into: always the window open at the time. */
  private readonly sink: WireSink = {
    segment: (conn, dir, offset, length, layer) =>
      this.window.segment(conn, dir, offset, length, layer),
    event: (event) => this.window.event(event),
    exchangeOpened: (exchange, protocol) => this.window.exchangeOpened(exchange, protocol),
    exchangeClosed: (exchange) => this.window.exchangeClosed(exchange),
    error: (message) => this.window.error(message),
    cutShort: (message) => this.window.cutShort(message),
  };

  /** Feeds records in the order they were recorded. */
  ingest(records: Iterable<TapRecord>): void {
    for (const record of records) {
      this.currentAt = record.at;
      switch (record.kind) {
        case 'open':
          this.connections.set(
            record.conn,
            new ConnectionParser(record.conn, this.sink, this.now, record.target),
          );
          this.window.connectionsOpened.push(record.conn);
          break;
        case 'data':
          this.connection(record.conn).push(record.dir, record.bytes, record.offset);
          break;
        case 'end':
          this.connection(record.conn).end(record.dir);
          break;
        case 'close':
          this.connection(record.conn).close();
          this.closed.push(record.conn);
          break;
      }
    }
  }

  private connection(conn: number): ConnectionParser {
    let parser = this.connections.get(conn);
    if (parser === undefined) {
      // Recorded without its opening: parsed from here on, as well as that goes.
      parser = new ConnectionParser(conn, this.sink, this.now);
      this.connections.set(conn, parser);
    }
    return parser;
  }

  /** Exchanges opened in the current window that have not finished yet. */
  get pendingExchanges(): number {
    return this.window.open.size;
  }

  /** Closes the current window, returns its account and opens the next one. */
  cut(): WireWindow {
    const window = this.window;
    const protocols: Record<number, Protocol> = {};
    const side = (dir: Direction): WindowDirection => {
      let raw = 0;
      for (const [conn, parser] of this.connections) {
        const bytes = parser.received[dir] - window.startOf(conn, dir);
        raw += bytes;
        if (bytes > 0 && parser.protocol) protocols[conn] = parser.protocol;
      }
      const layers = window.layers[dir];
      const attributed = LAYERS.reduce((sum, layer) => sum + layers[layer], 0);
      return { raw, layers, unparsed: raw - attributed, headersDecoded: 0, messages: 0 };
    };
    const directions: Record<Direction, WindowDirection> = {
      request: side('request'),
      response: side('response'),
    };
    for (const event of window.events) {
      const account = directions[event.dir];
      if (event.kind === 'message' && !event.end) account.messages += 1;
      if (event.kind === 'http1-head') account.headersDecoded += event.length;
      if (event.kind === 'http1-last-chunk') {
        for (const [name, value] of event.trailers) {
          account.headersDecoded += Buffer.byteLength(`${name}: ${value}\r\n`);
        }
      }
      if (event.kind === 'h2-frame' && event.block)
        account.headersDecoded += event.block.decodedSize;
    }
    const opened = new Set(window.connectionsOpened);
    const connections: WindowConnection[] = [];
    for (const [conn, parser] of this.connections) {
      const request = parser.received.request - window.startOf(conn, 'request');
      const response = parser.received.response - window.startOf(conn, 'response');
      if (request + response === 0 && !opened.has(conn)) continue;
      connections.push({
        conn,
        protocol: parser.protocol,
        target: parser.target,
        opened: opened.has(conn),
        request,
        response,
      });
    }
    const next = new Map<number, Record<Direction, number>>();
    for (const conn of this.closed.splice(0)) this.connections.delete(conn);
    for (const [conn, parser] of this.connections) next.set(conn, { ...parser.received });
    this.window = new WindowBuilder(next);
    return {
      request: directions.request,
      response: directions.response,
      connectionsOpened: window.connectionsOpened,
      httpRequests: window.httpRequests,
      streams: window.streams,
      events: window.events,
      protocols,
      connections,
      errors: window.errors,
      cutShort: window.cuts,
      startOffsets: window.startOffsets,
    };
  }
}

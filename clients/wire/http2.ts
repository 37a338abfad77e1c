// HTTP/2 as it crosses one connection (RFC 9113): the client preface, 9-byte frame headers and
// every frame type, padding, header blocks split over CONTINUATION and decoded with hpack.js
// (one decoder per direction, fed every block in order, so the dynamic table stays in step),
// and which header blocks are trailers. DATA payloads go to the stream's message parser.
// The frame reader is hand-written: it is a few lines, and it must say where each byte sat.

import hpack from 'hpack.js';
import type { ConnectionContext } from './http1.ts';
import { type ContentParser, createContentParser, mediaType } from './messages.ts';
import { PieceQueue } from './piece-queue.ts';
import type { Direction, ExchangeRef, HeaderField, Http2FrameEvent, Layer } from './types.ts';

export const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

const FRAME_TYPES = [
  'DATA',
  'HEADERS',
  'PRIORITY',
  'RST_STREAM',
  'SETTINGS',
  'PUSH_PROMISE',
  'PING',
  'GOAWAY',
  'WINDOW_UPDATE',
  'CONTINUATION',
] as const;

const DATA = 0;
const HEADERS = 1;
const RST_STREAM = 3;
const SETTINGS = 4;
const PUSH_PROMISE = 5;
const PING = 6;
const GOAWAY = 7;
const WINDOW_UPDATE = 8;
const CONTINUATION = 9;

const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY_FLAG = 0x20;

const SETTING_NAMES: Record<number, string> = {
  1: 'HEADER_TABLE_SIZE',
  2: 'ENABLE_PUSH',
  3: 'MAX_CONCURRENT_STREAMS',
  4: 'INITIAL_WINDOW_SIZE',
  5: 'MAX_FRAME_SIZE',
  6: 'MAX_HEADER_LIST_SIZE',
  8: 'ENABLE_CONNECT_PROTOCOL',
  9: 'NO_RFC7540_PRIORITIES',
};

const ERROR_NAMES = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];

export function frameTypeName(type: number): string {
  return FRAME_TYPES[type] ?? `UNKNOWN_0x${type.toString(16)}`;
}

export function frameFlagNames(type: number, flags: number): string[] {
  const names: string[] = [];
  if ((type === DATA || type === HEADERS) && flags & END_STREAM) names.push('END_STREAM');
  if ((type === SETTINGS || type === PING) && flags & ACK) names.push('ACK');
  if ((type === HEADERS || type === PUSH_PROMISE || type === CONTINUATION) && flags & END_HEADERS) {
    names.push('END_HEADERS');
  }
  if ((type === DATA || type === HEADERS || type === PUSH_PROMISE) && flags & PADDED) {
    names.push('PADDED');
  }
  if (type === HEADERS && flags & PRIORITY_FLAG) names.push('PRIORITY');
  return names;
}

/** The default SETTINGS_HEADER_TABLE_SIZE (RFC 9113 §6.5.2). */
const DEFAULT_TABLE_SIZE = 4096;

interface StreamState {
  id: number;
  ref: ExchangeRef;
  /** A final (non-1xx) header block has been seen in this direction. */
  headersSeen: Record<Direction, boolean>;
  headers: Record<Direction, HeaderField[]>;
  content: Partial<Record<Direction, ContentParser>>;
  ended: Record<Direction, boolean>;
  closed: boolean;
}

interface PendingBlock {
  streamId: number;
  role: 'headers' | 'trailers';
  fragments: Buffer[];
  encodedSize: number;
  endStream: boolean;
  /** PUSH_PROMISE blocks belong to the promised stream and never carry END_STREAM. */
  push: boolean;
}

function headerOf(fields: HeaderField[], name: string): string | undefined {
  return fields.find(([n]) => n === name)?.[1];
}

class Http2Reader {
  readonly queue: PieceQueue;
  private prefaceDone: boolean;
  private decoder: hpack.Decompressor;
  private decoderError: Error | undefined;
  private decoderBroken = false;
  private block: PendingBlock | undefined;

  constructor(
    private readonly connection: Http2Connection,
    readonly dir: Direction,
  ) {
    const { sink, conn } = connection.ctx;
    this.queue = new PieceQueue((offset, length, layer) =>
      sink.segment(conn, dir, offset, length, layer),
    );
    this.prefaceDone = dir === 'response';
    this.decoder = hpack.decompressor.create({ table: { maxSize: DEFAULT_TABLE_SIZE } });
    this.decoder.on('error', (err: Error) => {
      this.decoderError = err;
    });
  }

  private get ctx(): ConnectionContext {
    return this.connection.ctx;
  }

  /** The peer allows our encoder's peer a bigger table than the default: let the decoder follow. */
  raiseTableLimit(size: number): void {
    const table = this.decoder._table;
    if (table && size > table.protocolMaxSize) table.protocolMaxSize = size;
  }

  push(bytes: Buffer, offset: number): void {
    this.queue.push(bytes, offset);
    while (this.step()) {
      // one preface or frame per step
    }
  }

  end(): void {
    if (this.queue.available > 0) {
      const offset = this.queue.position as number;
      const left = this.queue.available;
      this.queue.take(left, 'connection');
      this.ctx.sink.error(`conn ${this.ctx.conn} ${this.dir}: ${left} bytes of a cut frame`);
      this.ctx.sink.event({
        kind: 'opaque',
        conn: this.ctx.conn,
        dir: this.dir,
        offset,
        length: left,
        at: this.ctx.now(),
        reason: 'connection ended inside a frame',
      });
    }
  }

  private step(): boolean {
    if (!this.prefaceDone) {
      const preface = this.queue.peek(HTTP2_PREFACE.length);
      if (preface === undefined) return false;
      const offset = this.queue.position as number;
      this.queue.take(preface.length, 'connection');
      this.prefaceDone = true;
      if (!preface.equals(HTTP2_PREFACE)) this.ctx.sink.error(`conn ${this.ctx.conn}: bad preface`);
      this.ctx.sink.event({
        kind: 'h2-preface',
        conn: this.ctx.conn,
        dir: this.dir,
        offset,
        length: preface.length,
        at: this.ctx.now(),
      });
      return true;
    }
    const header = this.queue.peek(9);
    if (header === undefined) return false;
    const payloadLength = header.readUIntBE(0, 3);
    // Whole frames only: a frame is at most 16 KiB unless SETTINGS raised it, and padding and
    // priority fields sit at both ends of the payload.
    if (this.queue.available < 9 + payloadLength) return false;
    const type = header[3] as number;
    const flags = header[4] as number;
    const streamId = header.readUInt32BE(5) & 0x7fffffff;
    const offset = this.queue.position as number;
    const event: Http2FrameEvent = {
      kind: 'h2-frame',
      conn: this.ctx.conn,
      dir: this.dir,
      offset,
      length: 9 + payloadLength,
      at: this.ctx.now(),
      type,
      typeName: frameTypeName(type),
      flags,
      flagNames: frameFlagNames(type, flags),
      streamId,
      payloadLength,
    };
    switch (type) {
      case DATA:
        this.readData(event);
        break;
      case HEADERS:
      case CONTINUATION:
      case PUSH_PROMISE:
        this.readHeaderFrame(event);
        break;
      default:
        this.readControl(event);
    }
    this.ctx.sink.event(event);
    if (type === DATA && flags & END_STREAM) this.connection.endStream(streamId, this.dir);
    return true;
  }

  /** Splits off the pad-length byte and the padding of a PADDED frame, as framing. */
  private unpad(event: Http2FrameEvent, headerExtra: number): number {
    let padLength = 0;
    if (event.flags & PADDED) {
      padLength = this.queue.byteAt(0) as number;
      event.padLength = padLength;
      this.queue.take(1, 'framing');
    }
    if (headerExtra > 0) this.queue.take(headerExtra, 'framing');
    return padLength;
  }

  private readData(event: Http2FrameEvent): void {
    this.queue.take(9, 'framing');
    const padLength = this.unpad(event, 0);
    const dataLength = event.payloadLength - (event.flags & PADDED ? 1 : 0) - padLength;
    const pieces = this.queue.take(dataLength, null);
    const parser = this.connection.contentParser(event.streamId, this.dir);
    for (const piece of pieces) parser.push(piece.bytes, piece.offset);
    if (padLength > 0) this.queue.take(padLength, 'framing');
  }

  private readHeaderFrame(event: Http2FrameEvent): void {
    const { type, flags, streamId } = event;
    if (type === CONTINUATION && this.block === undefined) {
      this.ctx.sink.error(`conn ${this.ctx.conn} ${this.dir}: CONTINUATION without a block`);
    }
    if (type !== CONTINUATION) {
      const push = type === PUSH_PROMISE;
      const role = push ? 'headers' : this.connection.blockRole(streamId, this.dir);
      this.block = { streamId, role, fragments: [], encodedSize: 0, endStream: false, push };
      if (!push) this.block.endStream = (flags & END_STREAM) !== 0;
      if (!push && this.dir === 'request') this.connection.openStream(streamId);
    }
    const block = this.block ?? {
      streamId,
      role: 'headers' as const,
      fragments: [],
      encodedSize: 0,
      endStream: false,
      push: false,
    };
    this.queue.take(9, 'framing');
    let extra = 0;
    if (type === HEADERS && flags & PRIORITY_FLAG) extra = 5;
    if (type === PUSH_PROMISE) extra = 4;
    const padLength = type === CONTINUATION ? 0 : this.unpad(event, extra);
    const fragmentLength =
      event.payloadLength - (flags & PADDED && type !== CONTINUATION ? 1 : 0) - extra - padLength;
    const layer: Layer = block.role;
    const fragment = this.queue.takeBytes(fragmentLength, layer);
    block.fragments.push(fragment);
    block.encodedSize += fragment.length;
    if (padLength > 0) this.queue.take(padLength, 'framing');
    if (!(flags & END_HEADERS)) return;
    this.block = undefined;
    const { fields, decodedSize, error } = this.decode(Buffer.concat(block.fragments));
    event.block = {
      role: block.role,
      fields,
      encodedSize: block.encodedSize,
      decodedSize,
      ...(error ? { error } : {}),
    };
    if (!block.push) {
      this.connection.applyBlock(block.streamId, this.dir, fields, block.role);
      if (block.endStream) this.connection.endStream(block.streamId, this.dir);
    }
  }

  private decode(bytes: Buffer): { fields: HeaderField[]; decodedSize: number; error?: string } {
    if (this.decoderBroken) return { fields: [], decodedSize: 0, error: 'HPACK state lost' };
    this.decoderError = undefined;
    this.decoder.write(bytes);
    this.decoder.execute();
    const fields: HeaderField[] = [];
    let decodedSize = 0;
    for (let field = this.decoder.read(); field !== null; field = this.decoder.read()) {
      // hpack.js hands out one char per octet; names and values are octets on the wire.
      fields.push([field.name, Buffer.from(field.value, 'latin1').toString('utf8')]);
      decodedSize += field.name.length + field.value.length;
    }
    // Set by the 'error' listener during execute(), which TypeScript cannot see.
    const failure = this.decoderError as Error | undefined;
    if (failure) {
      this.decoderBroken = true;
      const message = `HPACK: ${failure.message}`;
      this.ctx.sink.error(`conn ${this.ctx.conn} ${this.dir}: ${message}`);
      return { fields, decodedSize, error: message };
    }
    return { fields, decodedSize };
  }

  private readControl(event: Http2FrameEvent): void {
    const payload = this.queue.peek(9 + event.payloadLength)?.subarray(9) ?? Buffer.alloc(0);
    this.queue.take(9 + event.payloadLength, 'connection');
    switch (event.type) {
      case SETTINGS: {
        event.settings = [];
        for (let i = 0; i + 6 <= payload.length; i += 6) {
          const id = payload.readUInt16BE(i);
          const value = payload.readUInt32BE(i + 2);
          event.settings.push({ id, name: SETTING_NAMES[id] ?? `0x${id.toString(16)}`, value });
          if (id === 1) this.connection.tableSizeAnnounced(this.dir, value);
        }
        break;
      }
      case WINDOW_UPDATE:
        event.windowIncrement = payload.length >= 4 ? payload.readUInt32BE(0) & 0x7fffffff : 0;
        break;
      case RST_STREAM:
        event.errorCode = payload.length >= 4 ? payload.readUInt32BE(0) : 0;
        event.errorName = ERROR_NAMES[event.errorCode] ?? 'UNKNOWN';
        this.connection.resetStream(event.streamId);
        break;
      case GOAWAY:
        event.lastStreamId = payload.length >= 4 ? payload.readUInt32BE(0) & 0x7fffffff : 0;
        event.errorCode = payload.length >= 8 ? payload.readUInt32BE(4) : 0;
        event.errorName = ERROR_NAMES[event.errorCode] ?? 'UNKNOWN';
        if (payload.length > 8) event.opaqueData = payload.subarray(8).toString('latin1');
        break;
      case PING:
        event.opaqueData = payload.toString('hex');
        break;
    }
  }
}

/** Both directions of one HTTP/2 connection and its streams. */
export class Http2Connection {
  private readonly streams = new Map<number, StreamState>();
  private highestOpened = 0;
  private readonly readers: Record<Direction, Http2Reader>;

  constructor(readonly ctx: ConnectionContext) {
    this.readers = {
      request: new Http2Reader(this, 'request'),
      response: new Http2Reader(this, 'response'),
    };
  }

  push(dir: Direction, bytes: Buffer, offset: number): void {
    this.readers[dir].push(bytes, offset);
  }

  end(dir: Direction): void {
    this.readers[dir].end();
  }

  close(): void {
    for (const stream of [...this.streams.values()]) this.abort(stream);
  }

  private stream(id: number): StreamState {
    let stream = this.streams.get(id);
    if (stream === undefined) {
      stream = {
        id,
        ref: { exchange: `${this.ctx.conn}/${id}`, path: undefined },
        headersSeen: { request: false, response: false },
        headers: { request: [], response: [] },
        content: {},
        ended: { request: false, response: false },
        closed: false,
      };
      this.streams.set(id, stream);
    }
    return stream;
  }

  openStream(id: number): void {
    // Stream ids only grow: a header block on an id already seen is not a new stream.
    if (id <= this.highestOpened) return;
    this.highestOpened = id;
    const stream = this.stream(id);
    this.ctx.sink.exchangeOpened(stream.ref.exchange, 'http2');
  }

  /** A second final header block in one direction of a stream is its trailers. */
  blockRole(id: number, dir: Direction): 'headers' | 'trailers' {
    return this.streams.get(id)?.headersSeen[dir] ? 'trailers' : 'headers';
  }

  applyBlock(
    id: number,
    dir: Direction,
    fields: HeaderField[],
    role: 'headers' | 'trailers',
  ): void {
    const stream = this.stream(id);
    if (role === 'trailers') return;
    const status = headerOf(fields, ':status');
    // 1xx responses precede the real headers.
    if (status?.startsWith('1')) return;
    stream.headersSeen[dir] = true;
    stream.headers[dir] = fields;
    if (dir === 'request') stream.ref.path = headerOf(fields, ':path');
  }

  contentParser(id: number, dir: Direction): ContentParser {
    const stream = this.stream(id);
    let parser = stream.content[dir];
    if (parser === undefined) {
      const fields = stream.headers[dir];
      parser = createContentParser({
        sink: this.ctx.sink,
        conn: this.ctx.conn,
        dir,
        ref: stream.ref,
        contentType: mediaType(headerOf(fields, 'content-type')),
        bodyEncoding: headerOf(fields, 'content-encoding'),
        envelopeEncoding:
          headerOf(fields, 'connect-content-encoding') ?? headerOf(fields, 'grpc-encoding'),
        now: this.ctx.now,
      });
      stream.content[dir] = parser;
    }
    return parser;
  }

  endStream(id: number, dir: Direction): void {
    const stream = this.stream(id);
    if (stream.ended[dir]) return;
    stream.ended[dir] = true;
    // A body-less direction with a content-type (an empty protobuf request) is one message.
    (stream.content[dir] ?? this.contentParser(id, dir)).end();
    if (stream.ended.request && stream.ended.response) this.finish(stream);
  }

  resetStream(id: number): void {
    const stream = this.streams.get(id);
    if (stream) this.abort(stream);
  }

  /** RST_STREAM or a closed connection: what is still open is cut short. */
  private abort(stream: StreamState): void {
    for (const dir of ['request', 'response'] as const) {
      if (!stream.ended[dir]) stream.content[dir]?.end(true);
    }
    this.finish(stream);
  }

  private finish(stream: StreamState): void {
    if (stream.closed) return;
    stream.closed = true;
    this.streams.delete(stream.id);
    if (stream.id % 2 === 1) this.ctx.sink.exchangeClosed(stream.ref.exchange);
  }

  /** SETTINGS_HEADER_TABLE_SIZE sent in `dir` bounds the encoder of the other direction. */
  tableSizeAnnounced(dir: Direction, size: number): void {
    this.readers[dir === 'request' ? 'response' : 'request'].raiseTableLimit(size);
  }
}

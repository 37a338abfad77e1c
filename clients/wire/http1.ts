// HTTP/1.1 as it crosses one connection: keep-alive sequences of messages, content-length,
// chunked (size lines, trailers) and read-until-close bodies, 1xx responses, and the switch to
// WebSocket after a 101 with the frames that follow (headers, mask keys, payloads).
// Hand-written because the parsers at hand (llhttp inside node, undici's) do not say where each
// byte sat, which is the whole point here.

import { type ContentParser, createContentParser, mediaType } from './messages.ts';
import { concatPieces, type Piece, PieceQueue } from './piece-queue.ts';
import type { Direction, ExchangeRef, HeaderField, Layer, WireSink } from './types.ts';

/** Heads larger than this are not HTTP (node's own limit is 16 KiB). */
const MAX_HEAD_BYTES = 64 * 1024;

export interface ConnectionContext {
  sink: WireSink;
  conn: number;
  now: () => number;
}

interface PendingRequest {
  ref: ExchangeRef;
  method: string;
  upgrade: boolean;
}

type ReaderState =
  | { name: 'head' }
  | { name: 'length'; remaining: number; offset: number; length: number }
  | { name: 'eof'; offset: number }
  | { name: 'chunk-size' }
  | { name: 'chunk-data'; remaining: number; offset: number; size: number; lineLength: number }
  | { name: 'chunk-crlf'; offset: number; size: number; lineLength: number }
  | { name: 'trailers'; offset: number; fields: HeaderField[] }
  | { name: 'websocket' }
  | { name: 'opaque'; reason: string };

const WS_OPCODES: Record<number, string> = {
  0: 'continuation',
  1: 'text',
  2: 'binary',
  8: 'close',
  9: 'ping',
  10: 'pong',
};

export function parseHeaderLines(text: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const line of text.split('\r\n')) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon === -1) fields.push([line, '']);
    else fields.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return fields;
}

export function headerValue(fields: HeaderField[], name: string): string | undefined {
  const wanted = name.toLowerCase();
  const found = fields.filter(([n]) => n.toLowerCase() === wanted).map(([, v]) => v);
  return found.length === 0 ? undefined : found.join(', ');
}

class Http1Reader {
  readonly queue: PieceQueue;
  state: ReaderState = { name: 'head' };
  private content: ContentParser | undefined;
  private ref: ExchangeRef | undefined;
  /** The message being read ends its exchange (a final response). */
  private closesExchange = false;
  private ws: WebSocketReader | undefined;

  constructor(
    private readonly connection: Http1Connection,
    readonly dir: Direction,
  ) {
    const { sink, conn } = connection.ctx;
    this.queue = new PieceQueue((offset, length, layer) =>
      sink.segment(conn, dir, offset, length, layer),
    );
  }

  private get ctx(): ConnectionContext {
    return this.connection.ctx;
  }

  push(bytes: Buffer, offset: number): void {
    this.queue.push(bytes, offset);
    this.drain();
  }

  drain(): void {
    while (this.queue.available > 0 && this.step()) {
      // each step consumes something or returns false to wait for more bytes
    }
  }

  /** The peer half-closed or the connection ended. */
  end(): void {
    const state = this.state;
    if (state.name === 'eof') {
      this.finishMessage();
      return;
    }
    if (state.name === 'websocket') {
      this.ws?.end();
      return;
    }
    if (state.name === 'opaque' || (state.name === 'head' && this.queue.available === 0)) return;
    // Cut short inside a message: a client cancelling a stream over HTTP/1.1 has no other way.
    const left = this.queue.available;
    const where = this.ref
      ? `${this.ref.exchange} ${this.dir}`
      : `conn ${this.ctx.conn} ${this.dir}`;
    this.ctx.sink.cutShort(
      `${where}: connection ended inside ${state.name}${left > 0 ? ` (${left} bytes of a partial unit)` : ''}`,
    );
    if (left > 0) {
      const offset = this.queue.position as number;
      this.queue.take(left, 'body');
      this.ctx.sink.event({
        kind: 'opaque',
        conn: this.ctx.conn,
        dir: this.dir,
        offset,
        length: left,
        at: this.ctx.now(),
        reason: 'cut short',
      });
    }
    this.content?.end(true);
    this.content = undefined;
    this.state = { name: 'head' };
  }

  switchToWebSocket(ref: ExchangeRef): void {
    this.ws = new WebSocketReader(this.ctx, this.dir, this.queue, ref);
    this.state = { name: 'websocket' };
  }

  private opaque(reason: string): void {
    const left = this.queue.available;
    if (this.state.name !== 'opaque') {
      this.ctx.sink.error(`conn ${this.ctx.conn} ${this.dir}: ${reason}`);
      this.state = { name: 'opaque', reason };
    }
    if (left === 0) return;
    const offset = this.queue.position as number;
    this.queue.take(left, 'body');
    this.ctx.sink.event({
      kind: 'opaque',
      conn: this.ctx.conn,
      dir: this.dir,
      offset,
      length: left,
      at: this.ctx.now(),
      reason,
    });
  }

  private step(): boolean {
    const state = this.state;
    switch (state.name) {
      case 'head':
        return this.readHead();
      case 'length':
        return this.readLength(state);
      case 'eof':
        this.feedContent(this.queue.take(this.queue.available, null));
        return false;
      case 'chunk-size':
        return this.readChunkSize();
      case 'chunk-data':
        return this.readChunkData(state);
      case 'chunk-crlf':
        return this.readChunkCrlf(state);
      case 'trailers':
        return this.readTrailers(state);
      case 'websocket':
        return (this.ws as WebSocketReader).step();
      case 'opaque':
        this.opaque(state.reason);
        return false;
    }
  }

  private feedContent(pieces: Piece[]): void {
    for (const piece of pieces) this.content?.push(piece.bytes, piece.offset);
  }

  private readHead(): boolean {
    const end = this.queue.indexOfHeadEnd(MAX_HEAD_BYTES);
    if (end === -1) {
      if (this.queue.available >= MAX_HEAD_BYTES) this.opaque('no end of header block');
      return false;
    }
    const offset = this.queue.position as number;
    const length = end + 4;
    const text = this.queue.takeBytes(length, 'headers').toString('latin1');
    const lineEnd = text.indexOf('\r\n');
    const startLine = text.slice(0, lineEnd);
    const fields = parseHeaderLines(text.slice(lineEnd + 2));
    const role = this.dir;
    if (role === 'request') return this.startRequest(startLine, fields, offset, length);
    return this.startResponse(startLine, fields, offset, length);
  }

  private startRequest(
    startLine: string,
    fields: HeaderField[],
    offset: number,
    length: number,
  ): boolean {
    const [method = '', target] = startLine.split(' ');
    const ref: ExchangeRef = { exchange: this.connection.nextExchange(), path: target };
    const upgrade =
      headerValue(fields, 'upgrade')?.toLowerCase() === 'websocket' &&
      /\bupgrade\b/i.test(headerValue(fields, 'connection') ?? '');
    this.connection.pending.push({ ref, method: method.toUpperCase(), upgrade });
    this.connection.opened(ref.exchange);
    this.emitHead('request', startLine, fields, offset, length, ref);
    this.closesExchange = false;
    this.beginBody(fields, ref, false);
    return true;
  }

  private startResponse(
    startLine: string,
    fields: HeaderField[],
    offset: number,
    length: number,
  ): boolean {
    const status = Number(startLine.split(' ')[1]);
    const request = this.connection.pending[0];
    const ref: ExchangeRef = request?.ref ?? {
      exchange: `${this.ctx.conn}#?`,
      path: undefined,
    };
    this.emitHead('response', startLine, fields, offset, length, ref);
    if (status >= 100 && status < 200) {
      if (status === 101) {
        this.connection.pending.shift();
        if (request?.upgrade) this.connection.upgrade(ref);
        else this.connection.tunnel(`101 to ${headerValue(fields, 'upgrade') ?? 'unknown'}`);
      }
      // Other informational responses (100 Continue) precede the final one.
      return true;
    }
    this.connection.pending.shift();
    this.closesExchange = true;
    const noBody = request?.method === 'HEAD' || status === 204 || status === 304;
    this.beginBody(fields, ref, noBody);
    return true;
  }

  private emitHead(
    role: 'request' | 'response',
    startLine: string,
    fields: HeaderField[],
    offset: number,
    length: number,
    ref: ExchangeRef,
  ): void {
    this.ctx.sink.event({
      kind: 'http1-head',
      conn: this.ctx.conn,
      dir: this.dir,
      offset,
      length,
      at: this.ctx.now(),
      ...ref,
      role,
      startLine,
      fields,
    });
  }

  private beginBody(fields: HeaderField[], ref: ExchangeRef, noBody: boolean): void {
    this.ref = ref;
    const contentType = mediaType(headerValue(fields, 'content-type'));
    this.content = createContentParser({
      sink: this.ctx.sink,
      conn: this.ctx.conn,
      dir: this.dir,
      ref,
      contentType,
      bodyEncoding: headerValue(fields, 'content-encoding'),
      envelopeEncoding:
        headerValue(fields, 'connect-content-encoding') ?? headerValue(fields, 'grpc-encoding'),
      now: this.ctx.now,
    });
    const transfer = headerValue(fields, 'transfer-encoding')?.toLowerCase() ?? '';
    const lengthHeader = headerValue(fields, 'content-length');
    // Where the body starts on the wire, even when none of it has arrived yet.
    const offset = this.queue.position ?? this.connection.received(this.dir);
    if (noBody) {
      this.finishMessage();
    } else if (transfer.includes('chunked')) {
      this.state = { name: 'chunk-size' };
    } else if (lengthHeader !== undefined) {
      const length = Number(lengthHeader.split(',')[0]);
      if (length > 0) this.state = { name: 'length', remaining: length, offset, length };
      else this.finishMessage();
    } else if (this.dir === 'response') {
      this.state = { name: 'eof', offset };
    } else {
      this.finishMessage();
    }
  }

  private readLength(state: Extract<ReaderState, { name: 'length' }>): boolean {
    const pieces = this.queue.take(state.remaining, null);
    for (const piece of pieces) state.remaining -= piece.bytes.length;
    this.feedContent(pieces);
    if (state.remaining > 0) return false;
    this.ctx.sink.event({
      kind: 'http1-body',
      conn: this.ctx.conn,
      dir: this.dir,
      offset: state.offset,
      length: state.length,
      at: this.ctx.now(),
      ...(this.ref as ExchangeRef),
    });
    this.finishMessage();
    return true;
  }

  private readChunkSize(): boolean {
    const lf = this.queue.indexOf(0x0a, 0, 1024);
    if (lf === -1) {
      if (this.queue.available >= 1024) this.opaque('chunk-size line too long');
      return false;
    }
    const offset = this.queue.position as number;
    const line = this.queue.takeBytes(lf + 1, 'framing').toString('latin1');
    const size = Number.parseInt(line.split(';')[0]?.trim() ?? '', 16);
    if (!Number.isFinite(size)) {
      this.opaque(`bad chunk-size line ${JSON.stringify(line)}`);
      return false;
    }
    if (size === 0) {
      this.state = { name: 'trailers', offset, fields: [] };
      return true;
    }
    this.state = { name: 'chunk-data', remaining: size, offset, size, lineLength: lf + 1 };
    return true;
  }

  private readChunkData(state: Extract<ReaderState, { name: 'chunk-data' }>): boolean {
    const pieces = this.queue.take(state.remaining, null);
    for (const piece of pieces) state.remaining -= piece.bytes.length;
    this.feedContent(pieces);
    if (state.remaining > 0) return false;
    this.state = {
      name: 'chunk-crlf',
      offset: state.offset,
      size: state.size,
      lineLength: state.lineLength,
    };
    return true;
  }

  private readChunkCrlf(state: Extract<ReaderState, { name: 'chunk-crlf' }>): boolean {
    const crlf = this.queue.peek(2);
    if (crlf === undefined) return false;
    if (crlf[0] !== 0x0d || crlf[1] !== 0x0a) {
      this.opaque('chunk data not followed by CRLF');
      return false;
    }
    this.queue.take(2, 'framing');
    this.ctx.sink.event({
      kind: 'http1-chunk',
      conn: this.ctx.conn,
      dir: this.dir,
      offset: state.offset,
      length: state.lineLength + state.size + 2,
      at: this.ctx.now(),
      ...(this.ref as ExchangeRef),
      size: state.size,
    });
    this.state = { name: 'chunk-size' };
    return true;
  }

  private readTrailers(state: Extract<ReaderState, { name: 'trailers' }>): boolean {
    const lf = this.queue.indexOf(0x0a, 0, MAX_HEAD_BYTES);
    if (lf === -1) return false;
    const lineOffset = this.queue.position as number;
    const isFinal = lf === 1 && this.queue.byteAt(0) === 0x0d;
    const line = this.queue.takeBytes(lf + 1, isFinal ? 'framing' : 'trailers');
    if (!isFinal) {
      state.fields.push(...parseHeaderLines(line.toString('latin1')));
      return true;
    }
    this.ctx.sink.event({
      kind: 'http1-last-chunk',
      conn: this.ctx.conn,
      dir: this.dir,
      offset: state.offset,
      length: lineOffset + lf + 1 - state.offset,
      at: this.ctx.now(),
      ...(this.ref as ExchangeRef),
      trailers: state.fields,
    });
    this.finishMessage();
    return true;
  }

  private finishMessage(): void {
    const state = this.state;
    if (state.name === 'eof') {
      const end = this.connection.received(this.dir);
      this.ctx.sink.event({
        kind: 'http1-body',
        conn: this.ctx.conn,
        dir: this.dir,
        offset: state.offset,
        length: end - state.offset,
        at: this.ctx.now(),
        ...(this.ref as ExchangeRef),
      });
    }
    this.content?.end();
    this.content = undefined;
    if (this.state.name !== 'websocket' && this.state.name !== 'opaque') {
      this.state = { name: 'head' };
    }
    if (this.closesExchange && this.ref) this.connection.closed(this.ref.exchange);
    this.closesExchange = false;
  }
}

/**
 * WebSocket frames (RFC 6455): 2 header bytes, 2 or 8 bytes of extended length, a 4-byte mask
 * key on client frames, then the payload. Data frames' payloads are body; control frames
 * (close, ping, pong) are connection management, like HTTP/2 PING and GOAWAY.
 */
class WebSocketReader {
  private frame:
    | {
        fin: boolean;
        rsv: number;
        opcode: number;
        mask: Buffer | undefined;
        headerLength: number;
        payloadLength: number;
        offset: number;
        got: number;
        pieces: Piece[];
      }
    | undefined;
  private messageParts: Buffer[] = [];
  private messageStart: number | undefined;
  private messageWire = 0;
  private messageRsv = 0;

  constructor(
    private readonly ctx: ConnectionContext,
    private readonly dir: Direction,
    private readonly queue: PieceQueue,
    private readonly ref: ExchangeRef,
  ) {}

  step(): boolean {
    if (this.frame === undefined) {
      const first = this.queue.peek(2);
      if (first === undefined) return false;
      const b0 = first[0] as number;
      const b1 = first[1] as number;
      const masked = (b1 & 0x80) !== 0;
      const len7 = b1 & 0x7f;
      const extended = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
      const headerLength = 2 + extended + (masked ? 4 : 0);
      const header = this.queue.peek(headerLength);
      if (header === undefined) return false;
      let payloadLength = len7;
      if (extended === 2) payloadLength = header.readUInt16BE(2);
      if (extended === 8) payloadLength = Number(header.readBigUInt64BE(2));
      const opcode = b0 & 0x0f;
      const offset = this.queue.position as number;
      this.queue.take(headerLength, opcode >= 8 ? 'connection' : 'framing');
      this.frame = {
        fin: (b0 & 0x80) !== 0,
        rsv: (b0 >> 4) & 0x07,
        opcode,
        mask: masked ? Buffer.from(header.subarray(2 + extended, headerLength)) : undefined,
        headerLength,
        payloadLength,
        offset,
        got: 0,
        pieces: [],
      };
    }
    const frame = this.frame;
    const control = frame.opcode >= 8;
    const layer: Layer = control ? 'connection' : 'body';
    const pieces = this.queue.take(frame.payloadLength - frame.got, layer);
    for (const piece of pieces) frame.got += piece.bytes.length;
    frame.pieces.push(...pieces);
    if (frame.got < frame.payloadLength) return false;
    this.frame = undefined;
    this.completeFrame(frame, control);
    return true;
  }

  private completeFrame(frame: NonNullable<WebSocketReader['frame']>, control: boolean): void {
    this.ctx.sink.event({
      kind: 'ws-frame',
      conn: this.ctx.conn,
      dir: this.dir,
      offset: frame.offset,
      length: frame.headerLength + frame.payloadLength,
      at: this.ctx.now(),
      ...this.ref,
      fin: frame.fin,
      rsv: frame.rsv,
      opcode: frame.opcode,
      opcodeName: WS_OPCODES[frame.opcode] ?? `reserved-${frame.opcode}`,
      maskKey: frame.mask?.toString('hex'),
      headerLength: frame.headerLength,
      payloadLength: frame.payloadLength,
    });
    if (control) {
      return;
    }
    const payload = unmask(concatPieces(frame.pieces), frame.mask);
    if (frame.opcode !== 0 || this.messageStart === undefined) {
      this.messageStart = frame.offset;
      this.messageParts = [];
      this.messageWire = 0;
      this.messageRsv = frame.rsv;
    }
    this.messageParts.push(payload);
    this.messageWire += frame.headerLength + frame.payloadLength;
    if (!frame.fin) return;
    const full = Buffer.concat(this.messageParts);
    this.ctx.sink.event({
      kind: 'message',
      conn: this.ctx.conn,
      dir: this.dir,
      offset: this.messageStart,
      length: this.messageWire,
      at: this.ctx.now(),
      ...this.ref,
      framing: 'websocket',
      contentType: frame.opcode === 2 ? 'application/octet-stream' : 'text/plain',
      // RSV1 on the first frame means permessage-deflate compressed it.
      encoding: (this.messageRsv & 0x04) !== 0 ? 'deflate' : undefined,
      payloadLength: full.length,
      endOffset: frame.offset + frame.headerLength + frame.payloadLength,
      payload: full,
      end: false,
    });
    this.messageStart = undefined;
  }

  end(): void {
    if (this.frame !== undefined) {
      this.ctx.sink.error(`${this.ref.exchange} ${this.dir}: WebSocket frame cut short`);
    }
  }
}

function unmask(payload: Buffer, mask: Buffer | undefined): Buffer {
  if (mask === undefined) return payload;
  const out = Buffer.allocUnsafe(payload.length);
  for (let i = 0; i < payload.length; i++) {
    out[i] = (payload[i] as number) ^ (mask[i & 3] as number);
  }
  return out;
}

/** Both directions of one HTTP/1.1 connection. */
export class Http1Connection {
  readonly pending: PendingRequest[] = [];
  /** Exchanges whose response has not ended: a closing connection ends them. */
  private readonly open = new Set<string>();
  private exchanges = 0;
  private readonly readers: Record<Direction, Http1Reader>;
  private readonly bytes: Record<Direction, number> = { request: 0, response: 0 };

  constructor(readonly ctx: ConnectionContext) {
    this.readers = {
      request: new Http1Reader(this, 'request'),
      response: new Http1Reader(this, 'response'),
    };
  }

  nextExchange(): string {
    this.exchanges += 1;
    return `${this.ctx.conn}#${this.exchanges}`;
  }

  received(dir: Direction): number {
    return this.bytes[dir];
  }

  push(dir: Direction, bytes: Buffer, offset: number): void {
    this.bytes[dir] = offset + bytes.length;
    this.readers[dir].push(bytes, offset);
  }

  end(dir: Direction): void {
    this.readers[dir].end();
  }

  opened(exchange: string): void {
    this.open.add(exchange);
    this.ctx.sink.exchangeOpened(exchange, 'http1');
  }

  closed(exchange: string): void {
    if (this.open.delete(exchange)) this.ctx.sink.exchangeClosed(exchange);
  }

  /** The connection is gone: exchanges still open (an upgraded one too) end with it. */
  close(): void {
    this.pending.splice(0);
    for (const exchange of [...this.open]) this.closed(exchange);
  }

  /**
   * Called by the response reader on a 101: it carries on reading frames by itself, while the
   * request side may already hold frames the client sent once it saw the 101.
   */
  upgrade(ref: ExchangeRef): void {
    this.readers.response.switchToWebSocket(ref);
    this.readers.request.switchToWebSocket(ref);
    this.readers.request.drain();
  }

  tunnel(reason: string): void {
    this.readers.response.state = { name: 'opaque', reason };
    this.readers.request.state = { name: 'opaque', reason };
    this.readers.request.drain();
  }
}

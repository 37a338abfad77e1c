// The message layer inside an HTTP body: whole bodies, gRPC / gRPC-Web / Connect streaming
// envelopes, Server-Sent Events and NDJSON. Each parser attributes every body byte to framing,
// body or trailers and reports the messages it found.

import { concatPieces, type Piece, PieceQueue } from './piece-queue.ts';
import type { Direction, ExchangeRef, Layer, MessageEvent, WireSink } from './types.ts';

export interface ContentContext {
  sink: WireSink;
  conn: number;
  dir: Direction;
  ref: ExchangeRef;
  /** Lower-cased media type without parameters ('' when absent). */
  contentType: string;
  /** Content-Encoding of a whole body. */
  bodyEncoding: string | undefined;
  /** grpc-encoding / connect-content-encoding of compressed envelopes. */
  envelopeEncoding: string | undefined;
  now: () => number;
}

export interface ContentParser {
  push(bytes: Buffer, offset: number): void;
  /** The body is complete, or was cut short (`aborted`): a partial unit is then no error. */
  end(aborted?: boolean): void;
}

/** Media type without parameters, lower case. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export type EnvelopeMode = 'grpc' | 'grpc-web' | 'connect';

export function envelopeModeOf(contentType: string): EnvelopeMode | undefined {
  if (contentType === 'application/grpc' || contentType.startsWith('application/grpc+')) {
    return 'grpc';
  }
  if (contentType === 'application/grpc-web' || contentType.startsWith('application/grpc-web+')) {
    return 'grpc-web';
  }
  if (contentType.startsWith('application/connect+')) return 'connect';
  return undefined;
}

export function createContentParser(ctx: ContentContext): ContentParser {
  const mode = envelopeModeOf(ctx.contentType);
  if (mode) return new EnvelopeParser(ctx, mode);
  if (ctx.contentType === 'text/event-stream') return new SseParser(ctx);
  if (
    ctx.contentType === 'application/x-ndjson' ||
    ctx.contentType === 'application/ndjson' ||
    ctx.contentType === 'application/jsonl'
  ) {
    return new NdjsonParser(ctx);
  }
  return new WholeBodyParser(ctx);
}

abstract class BaseParser implements ContentParser {
  protected readonly queue: PieceQueue;
  /** Wire offset of the last byte pushed, for events at the very end of a body. */
  protected lastOffset = 0;

  constructor(protected readonly ctx: ContentContext) {
    this.queue = new PieceQueue((offset, length, layer) =>
      ctx.sink.segment(ctx.conn, ctx.dir, offset, length, layer),
    );
  }

  push(bytes: Buffer, offset: number): void {
    if (bytes.length === 0) return;
    this.queue.push(bytes, offset);
    this.lastOffset = offset + bytes.length;
    this.drain();
  }

  protected abstract drain(): void;
  abstract end(aborted?: boolean): void;

  /** A truncated unit is a protocol error in a complete body, expected in an aborted one. */
  protected problem(message: string, aborted: boolean): void {
    const text = `${this.ctx.ref.exchange} ${this.ctx.dir}: ${message}`;
    if (aborted) this.ctx.sink.cutShort(text);
    else this.ctx.sink.error(text);
  }

  protected message(
    fields: Pick<MessageEvent, 'framing' | 'payload' | 'end' | 'offset' | 'length'> &
      Partial<Pick<MessageEvent, 'flags' | 'event' | 'encoding'>>,
  ): void {
    this.ctx.sink.event({
      kind: 'message',
      conn: this.ctx.conn,
      dir: this.ctx.dir,
      at: this.ctx.now(),
      ...this.ctx.ref,
      contentType: this.ctx.contentType,
      encoding: fields.encoding,
      payloadLength: fields.payload.length,
      endOffset: this.queue.consumedEnd,
      ...fields,
    });
  }

  /** Bytes left over that do not form a whole unit: counted as body, reported. */
  protected flushTruncated(what: string, aborted: boolean): void {
    const left = this.queue.available;
    if (left === 0) return;
    const offset = this.queue.position ?? this.lastOffset;
    this.queue.take(left, 'body');
    this.problem(`${left} bytes of a truncated ${what}`, aborted);
    this.ctx.sink.event({
      kind: 'opaque',
      conn: this.ctx.conn,
      dir: this.ctx.dir,
      offset,
      length: left,
      at: this.ctx.now(),
      reason: `truncated ${what}`,
    });
  }
}

/** A unary body: one message, whatever it holds (JSON, protobuf, problem+json). */
class WholeBodyParser extends BaseParser {
  private pieces: Piece[] = [];
  private start: number | undefined;

  protected drain(): void {
    this.start ??= this.queue.position;
    this.pieces.push(...this.queue.take(this.queue.available, 'body'));
  }

  end(aborted = false): void {
    const payload = concatPieces(this.pieces);
    if (aborted) {
      if (payload.length > 0) this.problem(`body cut short after ${payload.length} bytes`, true);
      return;
    }
    // A GET has no body at all; an empty protobuf message still is a message when typed.
    if (payload.length === 0 && this.ctx.contentType === '') return;
    this.message({
      framing: 'body',
      payload,
      end: false,
      offset: this.start ?? this.lastOffset,
      length: payload.length,
      encoding: this.ctx.bodyEncoding,
    });
  }
}

/**
 * 5-byte envelopes: flags (1), length (4, big-endian), payload. gRPC-Web marks its trailer
 * frame with flag 0x80 (payload: HTTP/1-style header lines); Connect marks its end-of-stream
 * message with 0x02 (payload: JSON with error and metadata). Both are trailers.
 */
class EnvelopeParser extends BaseParser {
  private header: { flags: number; length: number; offset: number } | undefined;
  private pieces: Piece[] = [];
  private got = 0;

  constructor(
    ctx: ContentContext,
    private readonly mode: EnvelopeMode,
  ) {
    super(ctx);
  }

  private isTrailer(flags: number): boolean {
    if (this.mode === 'grpc-web') return (flags & 0x80) !== 0;
    if (this.mode === 'connect') return (flags & 0x02) !== 0;
    return false;
  }

  protected drain(): void {
    for (;;) {
      if (this.header === undefined) {
        const head = this.queue.peek(5);
        if (head === undefined) return;
        const offset = this.queue.position as number;
        this.queue.take(5, 'framing');
        this.header = { flags: head[0] as number, length: head.readUInt32BE(1), offset };
        this.pieces = [];
        this.got = 0;
      }
      const { flags, length, offset } = this.header;
      const layer: Layer = this.isTrailer(flags) ? 'trailers' : 'body';
      if (this.got < length) {
        const taken = this.queue.take(length - this.got, layer);
        for (const piece of taken) this.got += piece.bytes.length;
        this.pieces.push(...taken);
        if (this.got < length) return;
      }
      this.header = undefined;
      this.message({
        framing: 'envelope',
        flags,
        payload: concatPieces(this.pieces),
        end: this.isTrailer(flags),
        offset,
        length: 5 + length,
        encoding: (flags & 0x01) !== 0 ? (this.ctx.envelopeEncoding ?? 'unknown') : undefined,
      });
      this.pieces = [];
    }
  }

  end(aborted = false): void {
    if (this.header !== undefined) {
      this.problem(`envelope of ${this.header.length} bytes cut at ${this.got}`, aborted);
      this.header = undefined;
    }
    this.flushTruncated('envelope header', aborted);
  }
}

/** Finds the next line: its length without the line break, and the break's length. */
function nextLine(queue: PieceQueue): { length: number; eol: number } | undefined {
  const lf = queue.indexOf(0x0a);
  if (lf === -1) return undefined;
  if (lf > 0 && queue.byteAt(lf - 1) === 0x0d) return { length: lf - 1, eol: 2 };
  return { length: lf, eol: 1 };
}

/**
 * Server-Sent Events: field names, the colon and its space, comments, `event:`/`id:`/`retry:`
 * lines and every newline are framing; only the values of `data:` lines are body. An event
 * with data is one message (its data lines joined by newlines, as EventSource does).
 */
class SseParser extends BaseParser {
  private data: Buffer[] | undefined;
  private eventName: string | undefined;
  private eventStart: number | undefined;

  protected drain(): void {
    for (;;) {
      const line = nextLine(this.queue);
      if (line === undefined) return;
      const start = this.queue.position as number;
      if (line.length === 0) {
        this.queue.take(line.eol, 'framing');
        this.dispatch(start + line.eol);
        continue;
      }
      this.eventStart ??= start;
      const text = this.queue.peek(line.length) as Buffer;
      const colon = text.indexOf(0x3a);
      const field = colon === -1 ? text.toString('latin1') : text.toString('latin1', 0, colon);
      if (colon === 0) {
        // A comment (`: keep-alive`): framing only, and no event.
        this.queue.take(line.length + line.eol, 'framing');
        continue;
      }
      let valueStart = colon === -1 ? line.length : colon + 1;
      if (text[valueStart] === 0x20) valueStart += 1;
      const value = text.subarray(valueStart);
      if (field === 'data') {
        this.queue.take(valueStart, 'framing');
        this.queue.take(value.length, 'body');
        this.queue.take(line.eol, 'framing');
        this.data ??= [];
        this.data.push(Buffer.from(value));
      } else {
        this.queue.take(line.length + line.eol, 'framing');
        if (field === 'event') this.eventName = value.toString('utf8');
      }
    }
  }

  private dispatch(endOffset: number): void {
    const start = this.eventStart;
    if (this.data !== undefined && start !== undefined) {
      const joined: Buffer[] = [];
      this.data.forEach((part, i) => {
        if (i > 0) joined.push(Buffer.from('\n'));
        joined.push(part);
      });
      this.message({
        framing: 'sse',
        payload: Buffer.concat(joined),
        end: false,
        offset: start,
        length: endOffset - start,
        ...(this.eventName === undefined ? {} : { event: this.eventName }),
      });
    }
    this.data = undefined;
    this.eventName = undefined;
    this.eventStart = undefined;
  }

  end(aborted = false): void {
    this.flushTruncated('SSE line', aborted);
  }
}

/** NDJSON: each line is a message (body); its newline is framing. */
class NdjsonParser extends BaseParser {
  protected drain(): void {
    for (;;) {
      const line = nextLine(this.queue);
      if (line === undefined) return;
      this.line(line.length, line.eol);
    }
  }

  private line(length: number, eol: number): void {
    const start = this.queue.position as number;
    const payload = this.queue.takeBytes(length, 'body');
    if (eol > 0) this.queue.take(eol, 'framing');
    if (length === 0) return;
    this.message({ framing: 'ndjson', payload, end: false, offset: start, length: length + eol });
  }

  end(aborted = false): void {
    if (aborted) this.flushTruncated('NDJSON line', true);
    // A last line without its newline still is a message.
    else if (this.queue.available > 0) this.line(this.queue.available, 0);
  }
}

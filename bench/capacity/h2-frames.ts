// The HTTP/2 load engine that speaks the frames itself over a TCP socket, the way h2load does:
// each request's HEADERS and DATA frames are encoded once (HPACK literals, no indexing, so the
// bytes never change) and only the stream id is patched in; every request started while
// reading a chunk of responses goes out in one socket write. Header fields every request shares
// are indexed in the server's HPACK table by a connection's first request and named by index
// afterwards, as nghttp2 does for h2load; responses are decoded for :status and grpc-status
// only, with the server's indexing followed in a dynamic table.
//
// It covers what a benchmark connection meets (RFC 9113): SETTINGS and their ACK, PING,
// WINDOW_UPDATE both ways, RST_STREAM, GOAWAY, padding, CONTINUATION. Not server push (turned
// off), not request bodies larger than the server's initial stream window.

import * as net from 'node:net';
import { encode as HUFFMAN_CODES } from 'hpack.js/lib/hpack/huffman.js';
import { table as STATIC_TABLE } from 'hpack.js/lib/hpack/static-table.js';
import type { EngineConnections, H2LoadOptions, Run, TailSource } from './h2-common.ts';
import type { RequestSpec, SuccessCheck } from './spec.ts';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

const DATA = 0x0;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const PING = 0x6;
const GOAWAY = 0x7;
const WINDOW_UPDATE = 0x8;
const CONTINUATION = 0x9;

const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;

const SETTINGS_HEADER_TABLE_SIZE = 0x1;
const SETTINGS_ENABLE_PUSH = 0x2;
const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;

/** h2load's default windows (-w 30 -W 30). */
const WINDOW = 2 ** 30 - 1;
const DEFAULT_WINDOW = 65_535;
/** The smallest SETTINGS_MAX_FRAME_SIZE a peer may announce: request frames always fit. */
const MAX_FRAME = 16_384;
const MAX_STREAM_ID = 2 ** 31 - 1;
/** One read's worth of responses: large enough that a read rarely cuts a frame. */
const READ_BUFFER = 256 * 1024;

function writeFrameHeader(
  target: Buffer,
  offset: number,
  length: number,
  type: number,
  flags: number,
  streamId: number,
): void {
  target.writeUIntBE(length, offset, 3);
  target[offset + 3] = type;
  target[offset + 4] = flags;
  target.writeUInt32BE(streamId, offset + 5);
}

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(9 + payload.length);
  writeFrameHeader(out, 0, payload.length, type, flags, streamId);
  payload.copy(out, 9);
  return out;
}

function settingsFrame(entries: [number, number][]): Buffer {
  const payload = Buffer.allocUnsafe(entries.length * 6);
  entries.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, i * 6);
    payload.writeUInt32BE(value, i * 6 + 2);
  });
  return frame(SETTINGS, 0, 0, payload);
}

function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(increment, 0);
  return frame(WINDOW_UPDATE, 0, streamId, payload);
}

// HPACK (RFC 7541) -------------------------------------------------------------------------

/** An integer with an N-bit prefix; `first` holds the bits above the prefix. */
function encodeInteger(value: number, prefixBits: number, first: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const bytes = [first | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

function encodeString(text: string): number[] {
  const bytes = Buffer.from(text, 'latin1');
  return [...encodeInteger(bytes.length, 7, 0), ...bytes];
}

/** The static table's :method GET/POST, :scheme http, :path and :authority (RFC 7541 A). */
const STATIC_METHOD: Record<string, number> = { GET: 2, POST: 3 };
const STATIC_SCHEME_HTTP = 6;
const STATIC_NAME_PATH = 4;
const STATIC_NAME_AUTHORITY = 1;

/** Static-table names a request may use (RFC 7541 Appendix A). */
const STATIC_NAMES: Record<string, number> = {
  ':authority': STATIC_NAME_AUTHORITY,
  ':path': STATIC_NAME_PATH,
  accept: 19,
  'content-type': 31,
};

type Field = [name: string, value: string];

function requestFields(spec: RequestSpec, authority: string): Field[] {
  return [
    [':path', spec.path],
    [':authority', authority],
    ...Object.entries(spec.headers).map(([name, value]): Field => [name.toLowerCase(), value]),
  ];
}

/**
 * The fields every request of a run carries with the same value (the RPC path, authority,
 * content-type, te...). A connection's first request adds them to the server's dynamic table;
 * every later one names each with a one-byte index, as nghttp2 (h2load) and any real client
 * do: a server decodes indexed headers for less than literals.
 */
export function findSharedFields(specs: readonly RequestSpec[], authority: string): Field[] {
  const [first, ...rest] = specs;
  if (!first) return [];
  const others = rest.map((spec) => requestFields(spec, authority));
  return requestFields(first, authority).filter(([name, value]) =>
    others.every((fields) => fields.some(([n, v]) => n === name && v === value)),
  );
}

/** Bytes the shared fields take in a dynamic table (RFC 7541 4.1: name + value + 32 each). */
export function sizeInTable(fields: readonly Field[]): number {
  return fields.reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value) + 32,
    0,
  );
}

/**
 * A request's header block. `shared` fields are inserted into the dynamic table ('insert', a
 * connection's first request) or referenced there ('indexed'); every other field is a literal
 * without indexing, so the block is the same on every send.
 */
export function encodeRequestHeaders(
  spec: RequestSpec,
  authority: string,
  shared: readonly Field[] = [],
  mode: 'insert' | 'indexed' = 'insert',
): Buffer {
  const bytes: number[] = [];
  const method = STATIC_METHOD[spec.method];
  if (method) bytes.push(0x80 | method);
  else bytes.push(...encodeInteger(2, 4, 0), ...encodeString(spec.method));
  bytes.push(0x80 | STATIC_SCHEME_HTTP);
  for (const [name, value] of requestFields(spec, authority)) {
    const position = shared.findIndex(([n, v]) => n === name && v === value);
    const staticName = STATIC_NAMES[name];
    if (position >= 0 && mode === 'indexed') {
      // The last inserted entry is index 62; the first of k entries is 62 + k - 1.
      bytes.push(...encodeInteger(62 + shared.length - 1 - position, 7, 0x80));
    } else if (position >= 0) {
      bytes.push(...encodeInteger(staticName ?? 0, 6, 0x40));
      if (!staticName) bytes.push(...encodeString(name));
      bytes.push(...encodeString(value));
    } else {
      bytes.push(...encodeInteger(staticName ?? 0, 4, 0x00));
      if (!staticName) bytes.push(...encodeString(name));
      bytes.push(...encodeString(value));
    }
  }
  return Buffer.from(bytes);
}

/** Huffman-coded form of a string (RFC 7541 5.2), padded with the EOS prefix. */
export function huffmanEncode(text: string): Buffer {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const byte of Buffer.from(text, 'latin1')) {
    const [length, code] = HUFFMAN_CODES[byte] as [number, number];
    for (let i = length - 1; i >= 0; i--) {
      acc = (acc << 1) | (Math.floor(code / 2 ** i) & 1);
      if (++bits === 8) {
        out.push(acc);
        acc = 0;
        bits = 0;
      }
    }
  }
  if (bits > 0) out.push((acc << (8 - bits)) | ((1 << (8 - bits)) - 1));
  return Buffer.from(out);
}

/** code -> symbol, per bit length, built on first use. */
let huffmanByLength: Map<number, number>[] | undefined;

function huffmanDecode(source: Buffer, start: number, end: number): string {
  if (!huffmanByLength) {
    huffmanByLength = [];
    HUFFMAN_CODES.forEach(([length, code], symbol) => {
      if (!huffmanByLength![length]) huffmanByLength![length] = new Map();
      huffmanByLength![length]!.set(code, symbol);
    });
  }
  let text = '';
  let code = 0;
  let length = 0;
  for (let i = start; i < end; i++) {
    const byte = source[i] as number;
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      length++;
      const symbol = huffmanByLength[length]?.get(code);
      if (symbol !== undefined) {
        if (symbol === 256) throw new Error('hpack: EOS inside a Huffman string');
        text += String.fromCharCode(symbol);
        code = 0;
        length = 0;
      } else if (length > 30) {
        throw new Error('hpack: invalid Huffman code');
      }
    }
  }
  return text;
}

const GRPC_STATUS_PLAIN = Buffer.from('grpc-status', 'latin1');
const GRPC_STATUS_HUFFMAN = huffmanEncode('grpc-status');

interface TableEntry {
  name: string;
  value: string;
  size: number;
}

/**
 * HPACK decoding of response header blocks, reading only :status and grpc-status. The dynamic
 * table is kept (a server indexes what it repeats: each response then costs it one byte per
 * header, as it does with h2load); literals that are not indexed and not wanted are skipped
 * undecoded.
 */
export class HpackDecoder {
  /** Of the last block decoded: 0 when it had no :status. */
  status = 0;
  grpcStatus: string | undefined;
  /** Newest first: entry i has index 62 + i. */
  private readonly entries: TableEntry[] = [];
  private size = 0;
  private pos = 0;
  private block: Buffer = Buffer.alloc(0);
  private end = 0;

  constructor(
    private maxSize = 4_096,
    /** The SETTINGS_HEADER_TABLE_SIZE we announced: the most a size update may ask for. */
    private readonly limit = 4_096,
  ) {}

  decode(block: Buffer, start: number, end: number): void {
    this.block = block;
    this.pos = start;
    this.end = end;
    this.status = 0;
    this.grpcStatus = undefined;
    while (this.pos < end) {
      const first = block[this.pos] as number;
      if (first & 0x80) {
        const entry = this.lookup(this.readInteger(7));
        this.note(entry.name, entry.value);
      } else if ((first & 0xc0) === 0x40) {
        const nameIndex = this.readInteger(6);
        const name = nameIndex === 0 ? this.readString() : this.lookup(nameIndex).name;
        const value = this.readString();
        this.insert(name, value);
        this.note(name, value);
      } else if ((first & 0xe0) === 0x20) {
        const size = this.readInteger(5);
        if (size > this.limit) throw new Error(`hpack: table size update to ${size}`);
        this.maxSize = size;
        this.evict();
      } else {
        this.readUnindexed();
      }
    }
  }

  /** A literal the table does not keep: only :status and grpc-status values are decoded. */
  private readUnindexed(): void {
    const nameIndex = this.readInteger(4);
    let wanted: string | undefined;
    if (nameIndex !== 0) {
      const name = this.lookup(nameIndex).name;
      if (name === ':status' || name === 'grpc-status') wanted = name;
    } else {
      const [from, to, huffman] = this.readStringBounds();
      const expected = huffman ? GRPC_STATUS_HUFFMAN : GRPC_STATUS_PLAIN;
      if (this.block.subarray(from, to).equals(expected)) wanted = 'grpc-status';
    }
    if (wanted) this.note(wanted, this.readString());
    else this.readStringBounds();
  }

  private note(name: string, value: string): void {
    if (name === ':status') this.status = Number(value);
    else if (name === 'grpc-status') this.grpcStatus = value;
  }

  private lookup(index: number): { name: string; value: string } {
    if (index >= 1 && index <= STATIC_TABLE.length) {
      return STATIC_TABLE[index - 1] as { name: string; value: string };
    }
    const entry = this.entries[index - STATIC_TABLE.length - 1];
    if (!entry) throw new Error(`hpack: index ${index} is not in the dynamic table`);
    return entry;
  }

  private insert(name: string, value: string): void {
    // Strings are kept one char per octet (latin1), so length is the RFC's octet count.
    const size = name.length + value.length + 32;
    if (size > this.maxSize) {
      this.entries.length = 0;
      this.size = 0;
      return;
    }
    this.entries.unshift({ name, value, size });
    this.size += size;
    this.evict();
  }

  private evict(): void {
    while (this.size > this.maxSize) {
      const oldest = this.entries.pop() as TableEntry;
      this.size -= oldest.size;
    }
  }

  private readInteger(prefixBits: number): number {
    const max = (1 << prefixBits) - 1;
    let value = (this.block[this.pos++] as number) & max;
    if (value < max) return value;
    let shift = 0;
    let byte: number;
    do {
      byte = this.block[this.pos++] as number;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80 && this.pos < this.end);
    return value;
  }

  private readStringBounds(): [number, number, boolean] {
    const huffman = ((this.block[this.pos] as number) & 0x80) !== 0;
    const length = this.readInteger(7);
    const from = this.pos;
    this.pos += length;
    if (this.pos > this.end) throw new Error('hpack: string past the end of the block');
    return [from, this.pos, huffman];
  }

  private readString(): string {
    const [from, to, huffman] = this.readStringBounds();
    return huffman ? huffmanDecode(this.block, from, to) : this.block.toString('latin1', from, to);
  }
}

// Connections ------------------------------------------------------------------------------

/** Frames with the stream id left to patch. */
interface FrameBytes {
  bytes: Buffer;
  /** Where the stream id goes, one per frame. */
  idOffsets: number[];
}

/** A request's frames: as a connection's first request, and as every later one. */
interface FrameTemplate {
  first: FrameBytes;
  steady: FrameBytes;
  bodyLength: number;
  check: SuccessCheck;
}

function buildTemplate(
  spec: RequestSpec,
  authority: string,
  shared: readonly Field[],
): FrameTemplate {
  return {
    first: buildFrames(spec, encodeRequestHeaders(spec, authority, shared, 'insert')),
    steady: buildFrames(spec, encodeRequestHeaders(spec, authority, shared, 'indexed')),
    bodyLength: spec.body.length,
    check: spec.check,
  };
}

function buildFrames(spec: RequestSpec, block: Buffer): FrameBytes {
  if (block.length > MAX_FRAME) throw new Error('request headers larger than one frame');
  const hasBody = spec.body.length > 0 || spec.method !== 'GET';
  const parts: Buffer[] = [];
  const idOffsets: number[] = [];
  let offset = 0;
  const push = (type: number, flags: number, payload: Buffer) => {
    const framed = frame(type, flags, 0, payload);
    idOffsets.push(offset + 5);
    parts.push(framed);
    offset += framed.length;
  };
  push(HEADERS, END_HEADERS | (hasBody ? 0 : END_STREAM), block);
  if (hasBody) {
    let at = 0;
    do {
      const piece = spec.body.subarray(at, at + MAX_FRAME);
      at += piece.length;
      push(DATA, at >= spec.body.length ? END_STREAM : 0, piece);
    } while (at < spec.body.length);
  }
  return { bytes: Buffer.concat(parts), idOffsets };
}

/** One stream slot: a request in flight, then the next, for the whole run. */
class FrameLane implements TailSource {
  next: number;
  id = 0;
  startedAt = 0;
  status = 0;
  grpc: string | undefined;
  failed = false;
  check: SuccessCheck = 'http';
  keepTail = false;
  lastData: Buffer | undefined;
  previousData: Buffer | undefined;

  constructor(offset: number) {
    this.next = offset;
  }

  bodyTail(): string {
    const last = this.lastData?.toString('latin1') ?? '';
    return this.previousData ? this.previousData.toString('latin1') + last : last;
  }
}

class FrameConnection {
  readonly socket: net.Socket;
  /** The server's SETTINGS_MAX_CONCURRENT_STREAMS. */
  maxStreams = MAX_STREAM_ID;
  private peerInitialWindow = DEFAULT_WINDOW;
  private sendWindow = DEFAULT_WINDOW;
  private unacknowledgedBytes = 0;
  private nextId = 1;
  /** Whether the shared fields are in the server's dynamic table (after the first request). */
  private indexing = false;
  /** The server's SETTINGS_HEADER_TABLE_SIZE: what our dynamic table entries may take. */
  peerTableSize = 4_096;
  private closed = false;
  private readonly inFlight = new Map<number, FrameLane>();
  private readonly blocked: FrameLane[] = [];
  private readonly decoder = new HpackDecoder();
  private out: Buffer = Buffer.allocUnsafe(16_384);
  private readonly spares: Buffer[] = [];
  private outLength = 0;
  private pending: Buffer | undefined;
  /** The stream whose header block goes on in CONTINUATION frames, and its flags. */
  private continued: { id: number; flags: number; chunks: Buffer[] } | undefined;
  private settled: ((err?: Error) => void) | undefined;
  readonly ready: Promise<void>;
  firstError: string | undefined;

  constructor(
    private readonly run: Run,
    private readonly templates: readonly FrameTemplate[],
    host: string,
    port: number,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.settled = (err) => (err ? reject(err) : resolve());
    });
    // Every read lands in the same buffer (node's `onread`): no Buffer per read, which at
    // tens of thousands of responses a second is what would drive the garbage collector.
    const readBuffer = Buffer.allocUnsafe(READ_BUFFER);
    this.socket = net.connect({
      host,
      port,
      onread: {
        buffer: readBuffer,
        callback: (bytes: number, buffer: Uint8Array) => {
          this.onData(buffer as Buffer, bytes);
          return true;
        },
      },
    });
    this.socket.setNoDelay(true);
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(new Error('connection closed')));
    this.socket.write(
      Buffer.concat([
        PREFACE,
        settingsFrame([
          [SETTINGS_ENABLE_PUSH, 0],
          [SETTINGS_INITIAL_WINDOW_SIZE, WINDOW],
        ]),
        windowUpdateFrame(0, WINDOW - DEFAULT_WINDOW),
      ]),
    );
  }

  startLane(lane: FrameLane): void {
    this.send(lane);
  }

  send(lane: FrameLane): void {
    if (this.closed || this.nextId > MAX_STREAM_ID) {
      this.run.refuse();
      return;
    }
    const template = this.templates[lane.next] as FrameTemplate;
    if (template.bodyLength > this.sendWindow) {
      // Until the server's WINDOW_UPDATE: the request goes out as soon as it fits.
      this.blocked.push(lane);
      return;
    }
    lane.next = lane.next + 1 === this.templates.length ? 0 : lane.next + 1;
    this.sendWindow -= template.bodyLength;
    const id = this.nextId;
    this.nextId += 2;
    const frames = this.indexing ? template.steady : template.first;
    this.indexing = true;
    this.reserve(frames.bytes.length);
    const at = this.outLength;
    frames.bytes.copy(this.out, at);
    for (const offset of frames.idOffsets) this.out.writeUInt32BE(id, at + offset);
    this.outLength += frames.bytes.length;
    lane.id = id;
    lane.status = 0;
    lane.grpc = undefined;
    lane.failed = false;
    lane.check = template.check;
    lane.keepTail = template.check === 'grpc-web' || template.check === 'graphql';
    lane.lastData = undefined;
    lane.previousData = undefined;
    lane.startedAt = performance.now();
    this.inFlight.set(id, lane);
    this.run.active++;
  }

  /** Writes what the last read made us send, in one piece. */
  flush(): void {
    if (this.outLength === 0 || this.closed) return;
    const full = this.out;
    const chunk = full.subarray(0, this.outLength);
    // The socket may hold the bytes until they are written: the buffer comes back to the
    // spares then, and the next requests go into another one.
    this.out = this.spares.pop() ?? Buffer.allocUnsafe(full.length);
    this.outLength = 0;
    this.socket.write(chunk, () => this.spares.push(full));
  }

  bodyTooLarge(specs: readonly RequestSpec[]): boolean {
    return specs.some((spec) => spec.body.length > this.peerInitialWindow);
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  abort(err: Error): void {
    this.fail(err);
  }

  private reserve(bytes: number): void {
    if (this.outLength + bytes <= this.out.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.outLength + bytes));
    this.out.copy(grown, 0, 0, this.outLength);
    this.out = grown;
  }

  private append(bytes: Buffer): void {
    this.reserve(bytes.length);
    bytes.copy(this.out, this.outLength);
    this.outLength += bytes.length;
  }

  /** `read` holds `length` new bytes; it is reused for the next read, so nothing may keep it. */
  private onData(read: Buffer, length: number): void {
    let buffer = read.subarray(0, length);
    if (this.pending) {
      buffer = Buffer.concat([this.pending, buffer]);
      this.pending = undefined;
    }
    let offset = 0;
    try {
      while (offset + 9 <= buffer.length) {
        const length = buffer.readUIntBE(offset, 3);
        const end = offset + 9 + length;
        if (end > buffer.length) break;
        this.onFrame(
          buffer,
          buffer[offset + 3] as number,
          buffer[offset + 4] as number,
          buffer.readUInt32BE(offset + 5) & MAX_STREAM_ID,
          offset + 9,
          end,
        );
        offset = end;
      }
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    // A frame cut by the end of the read: its start is copied out of the shared buffer.
    if (offset < buffer.length) this.pending = Buffer.from(buffer.subarray(offset));
    this.flush();
  }

  private onFrame(
    buffer: Buffer,
    type: number,
    flags: number,
    id: number,
    start: number,
    end: number,
  ): void {
    if (this.continued && type !== CONTINUATION) {
      throw new Error('HTTP/2: header block interrupted by another frame');
    }
    switch (type) {
      case DATA: {
        this.unacknowledgedBytes += end - start;
        if (this.unacknowledgedBytes >= WINDOW / 2) {
          this.append(windowUpdateFrame(0, this.unacknowledgedBytes));
          this.unacknowledgedBytes = 0;
        }
        const lane = this.inFlight.get(id);
        if (!lane) return;
        if (lane.keepTail) {
          const padding = flags & PADDED ? (buffer[start] as number) : 0;
          lane.previousData = lane.lastData;
          // Copied: the read buffer is reused.
          lane.lastData = Buffer.from(
            buffer.subarray(start + (flags & PADDED ? 1 : 0), end - padding),
          );
        }
        if (flags & END_STREAM) this.finish(lane);
        return;
      }
      case HEADERS: {
        let from = start;
        let to = end;
        if (flags & PADDED) {
          to -= buffer[from] as number;
          from += 1;
        }
        if (flags & PRIORITY) from += 5;
        if (flags & END_HEADERS) this.onHeaderBlock(id, flags, buffer, from, to);
        else this.continued = { id, flags, chunks: [Buffer.from(buffer.subarray(from, to))] };
        return;
      }
      case CONTINUATION: {
        const continued = this.continued;
        if (!continued || continued.id !== id) throw new Error('HTTP/2: unexpected CONTINUATION');
        continued.chunks.push(Buffer.from(buffer.subarray(start, end)));
        if (flags & END_HEADERS) {
          this.continued = undefined;
          const block = Buffer.concat(continued.chunks);
          this.onHeaderBlock(id, continued.flags, block, 0, block.length);
        }
        return;
      }
      case RST_STREAM: {
        const lane = this.inFlight.get(id);
        if (lane) {
          lane.failed = true;
          this.finish(lane);
        }
        return;
      }
      case SETTINGS:
        if (flags & ACK) return;
        this.onSettings(buffer, start, end);
        return;
      case PING:
        if (!(flags & ACK)) this.append(frame(PING, ACK, 0, buffer.subarray(start, end)));
        return;
      case GOAWAY: {
        const lastId = buffer.readUInt32BE(start) & MAX_STREAM_ID;
        this.closed = true;
        this.noteError(`GOAWAY, error code ${buffer.readUInt32BE(start + 4)}`);
        for (const lane of [...this.inFlight.values()]) {
          if (lane.id > lastId) {
            lane.failed = true;
            this.finish(lane);
          }
        }
        return;
      }
      case WINDOW_UPDATE:
        if (id === 0) {
          this.sendWindow += buffer.readUInt32BE(start) & MAX_STREAM_ID;
          while (this.blocked.length > 0) {
            const lane = this.blocked[0] as FrameLane;
            if ((this.templates[lane.next] as FrameTemplate).bodyLength > this.sendWindow) break;
            this.blocked.shift();
            this.send(lane);
          }
        }
        return;
      default:
        // PRIORITY, PUSH_PROMISE (push is off), and unknown types carry nothing for us.
        return;
    }
  }

  private onHeaderBlock(id: number, flags: number, block: Buffer, from: number, to: number): void {
    // Decoded even for a stream we no longer follow: the dynamic table must see every block.
    const decoder = this.decoder;
    decoder.decode(block, from, to);
    const lane = this.inFlight.get(id);
    if (!lane) return;
    if (decoder.status !== 0) lane.status = decoder.status;
    if (decoder.grpcStatus !== undefined) lane.grpc = decoder.grpcStatus;
    if (flags & END_STREAM) this.finish(lane);
  }

  private onSettings(buffer: Buffer, start: number, end: number): void {
    for (let at = start; at + 6 <= end; at += 6) {
      const id = buffer.readUInt16BE(at);
      const value = buffer.readUInt32BE(at + 2);
      if (id === SETTINGS_MAX_CONCURRENT_STREAMS) this.maxStreams = value;
      if (id === SETTINGS_INITIAL_WINDOW_SIZE) this.peerInitialWindow = value;
      if (id === SETTINGS_HEADER_TABLE_SIZE) {
        if (this.indexing && value < this.peerTableSize) {
          throw new Error('the server shrank its header table under the indexed request headers');
        }
        this.peerTableSize = value;
      }
    }
    this.append(frame(SETTINGS, ACK, 0, Buffer.alloc(0)));
    this.settled?.();
    this.settled = undefined;
  }

  private finish(lane: FrameLane): void {
    this.inFlight.delete(lane.id);
    this.run.complete(lane.startedAt, lane.status, lane.grpc, lane.failed, lane.check, lane);
    if (!this.run.stopping) this.send(lane);
  }

  private noteError(message: string): void {
    this.firstError ??= message;
  }

  private fail(err: Error): void {
    this.settled?.(err);
    this.settled = undefined;
    if (this.closed && this.inFlight.size === 0) return;
    if (!this.closed) this.noteError(err.message);
    this.closed = true;
    this.socket.destroy();
    const lanes = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const lane of lanes) {
      lane.failed = true;
      this.run.complete(lane.startedAt, lane.status, lane.grpc, true, lane.check, lane);
    }
  }
}

/** Opens the frame engine's connections and waits for each server's SETTINGS. */
export async function openFrameConnections(
  run: Run,
  options: H2LoadOptions,
): Promise<EngineConnections> {
  const url = new URL(options.authority);
  let shared = findSharedFields(options.requests, url.host);
  const connections: FrameConnection[] = [];
  // The templates depend on the server's table size, known from its SETTINGS: connections are
  // opened first, with the lanes not yet started.
  const templates: FrameTemplate[] = [];
  try {
    for (let c = 0; c < options.connections; c++) {
      const connection = new FrameConnection(run, templates, url.hostname, Number(url.port));
      connections.push(connection);
      // A socket error or close rejects `ready` too.
      const timer = setTimeout(
        () => connection.abort(new Error(`no HTTP/2 SETTINGS from ${options.authority}`)),
        5_000,
      );
      await connection.ready.finally(() => clearTimeout(timer));
      if (connection.bodyTooLarge(options.requests)) {
        throw new Error("a request body is larger than the server's initial stream window");
      }
    }
    const tableSize = Math.min(...connections.map((c) => c.peerTableSize));
    if (sizeInTable(shared) > tableSize) shared = [];
    templates.push(...options.requests.map((spec) => buildTemplate(spec, url.host, shared)));
  } catch (err) {
    for (const connection of connections) connection.destroy();
    throw err;
  }
  const streams = Math.min(options.streams, ...connections.map((c) => c.maxStreams));
  return {
    streams,
    start() {
      // Lanes start at spread offsets so that connections do not send the same id in lockstep.
      let lane = 0;
      for (const connection of connections) {
        for (let m = 0; m < streams; m++) {
          connection.startLane(new FrameLane((lane++ * 7919) % templates.length));
        }
        connection.flush();
      }
    },
    bytes() {
      let read = 0;
      let written = 0;
      for (const { socket } of connections) {
        read += socket.bytesRead;
        written += socket.bytesWritten;
      }
      return { read, written };
    },
    destroy() {
      for (const connection of connections) connection.destroy();
    },
    firstError() {
      return connections.find((c) => c.firstError)?.firstError;
    },
  };
}

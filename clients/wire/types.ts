// The vocabulary of wire accounting: which way bytes flow, the layers they are split into, and
// the events the parsers report (what a person reads in `wirebench inspect`).

/** `request`: client to server; `response`: server to client. */
export type Direction = 'request' | 'response';
export const DIRECTIONS: readonly Direction[] = ['request', 'response'];

/**
 * Every byte of a connection belongs to exactly one layer:
 * - headers: HTTP/1.1 start line and header block; HTTP/2 header block fragments as sent
 *   (HPACK-compressed), including PUSH_PROMISE blocks;
 * - trailers: HTTP/1.1 chunked trailer fields, HTTP/2 trailing header blocks, the gRPC-Web
 *   trailer frame's payload and the Connect end-of-stream message;
 * - framing: HTTP/1.1 chunk-size lines and CRLFs, HTTP/2 frame headers and padding of a
 *   stream's frames, 5-byte envelopes, SSE field names and newlines, NDJSON newlines,
 *   WebSocket frame headers and mask keys;
 * - body: message bytes (JSON text or protobuf), as sent (compressed when compressed);
 * - connection: the HTTP/2 preface and every frame that manages the connection or flow rather
 *   than carrying a stream's content (SETTINGS, PING, GOAWAY, WINDOW_UPDATE, RST_STREAM,
 *   PRIORITY, unknown types), and WebSocket control frames (ping, pong, close).
 */
export type Layer = 'headers' | 'trailers' | 'framing' | 'body' | 'connection';
export const LAYERS: readonly Layer[] = ['headers', 'trailers', 'framing', 'body', 'connection'];

export type LayerCounts = Record<Layer, number>;

/** The five layers and their total, without the decoded counts: what results and samples keep. */
export type LayerTotals = LayerCounts & { total: number };

export function layerTotals(d: LayerTotals): LayerTotals {
  return {
    headers: d.headers,
    framing: d.framing,
    body: d.body,
    trailers: d.trailers,
    connection: d.connection,
    total: d.total,
  };
}

export function emptyLayers(): LayerCounts {
  return { headers: 0, trailers: 0, framing: 0, body: 0, connection: 0 };
}

/** A header field as decoded, in wire order (names lower-case on HTTP/2). */
export type HeaderField = [name: string, value: string];

/** Where an event sits: the connection, its direction and the byte range in that direction. */
export interface EventPlace {
  /** Connection id, unique within one recording. */
  conn: number;
  dir: Direction;
  /** Offset of the first byte in this direction of the connection. */
  offset: number;
  /** Bytes on the wire the event covers. */
  length: number;
  /** performance.now() when the chunk that completed the event arrived at the tap. */
  at: number;
}

/** The request/response pair (HTTP/1.1 exchange or HTTP/2 stream) an event belongs to. */
export interface ExchangeRef {
  /** `conn/stream` for HTTP/2, `conn#n` for HTTP/1.1. */
  exchange: string;
  /** The request target (`:path` on HTTP/2). */
  path: string | undefined;
}

export interface Http2FrameEvent extends EventPlace {
  kind: 'h2-frame';
  type: number;
  typeName: string;
  flags: number;
  flagNames: string[];
  streamId: number;
  /** Frame payload length (the frame is 9 + payloadLength bytes). */
  payloadLength: number;
  /** PADDED frames: the padding length (the pad-length byte is framing too). */
  padLength?: number;
  /** Set on the frame that completes a header block (END_HEADERS). */
  block?: {
    role: 'headers' | 'trailers';
    fields: HeaderField[];
    /** Header block bytes as sent (HPACK), over every frame of the block. */
    encodedSize: number;
    /** Octets of names and values once decoded (RFC 7541 entry size without its 32). */
    decodedSize: number;
    error?: string;
  };
  settings?: { id: number; name: string; value: number }[];
  windowIncrement?: number;
  errorCode?: number;
  errorName?: string;
  lastStreamId?: number;
  opaqueData?: string;
}

export interface Http2PrefaceEvent extends EventPlace {
  kind: 'h2-preface';
}

export interface Http1HeadEvent extends EventPlace, ExchangeRef {
  kind: 'http1-head';
  role: 'request' | 'response';
  startLine: string;
  fields: HeaderField[];
}

/** A content-length body, or a body read until the connection closed. */
export interface Http1BodyEvent extends EventPlace, ExchangeRef {
  kind: 'http1-body';
}

/** One chunk of a chunked body: size line, data and CRLF (`size` is the data length). */
export interface Http1ChunkEvent extends EventPlace, ExchangeRef {
  kind: 'http1-chunk';
  size: number;
}

/** The last chunk (`0` line), its trailer fields and the final CRLF. */
export interface Http1LastChunkEvent extends EventPlace, ExchangeRef {
  kind: 'http1-last-chunk';
  trailers: HeaderField[];
}

export interface WebSocketFrameEvent extends EventPlace, ExchangeRef {
  kind: 'ws-frame';
  fin: boolean;
  rsv: number;
  opcode: number;
  opcodeName: string;
  maskKey: string | undefined;
  headerLength: number;
  payloadLength: number;
}

/** Bytes a parser could not make sense of (attributed to body, and reported). */
export interface OpaqueEvent extends EventPlace {
  kind: 'opaque';
  reason: string;
}

export type MessageFraming = 'body' | 'envelope' | 'sse' | 'ndjson' | 'websocket';

/**
 * One message inside a body: a unary body, an envelope, an SSE event, an NDJSON line or a
 * WebSocket message. Informational: its bytes are already counted by the unit events around
 * it. `end` marks trailer carriers (gRPC-Web trailer frame, Connect end-of-stream message).
 */
export interface MessageEvent extends EventPlace, ExchangeRef {
  kind: 'message';
  framing: MessageFraming;
  contentType: string;
  /** Content-Encoding / grpc-encoding of the body or envelope, when compressed. */
  encoding: string | undefined;
  /** Envelope flags. */
  flags?: number;
  /** Bytes of the message itself (without envelope, SSE field names, ...). */
  payloadLength: number;
  /** Wire offset just past the message's last byte (undefined for an empty body). */
  endOffset: number | undefined;
  payload: Buffer;
  end: boolean;
  /** SSE event name. */
  event?: string;
}

/** Events that together cover every parsed byte of a direction exactly once. */
export type UnitEvent =
  | Http2PrefaceEvent
  | Http2FrameEvent
  | Http1HeadEvent
  | Http1BodyEvent
  | Http1ChunkEvent
  | Http1LastChunkEvent
  | WebSocketFrameEvent
  | OpaqueEvent;

export type WireEvent = UnitEvent | MessageEvent;

/** What parsers report into: byte attribution and events. */
export interface WireSink {
  /** `length` bytes from `offset` of (conn, dir) belong to `layer`. */
  segment(conn: number, dir: Direction, offset: number, length: number, layer: Layer): void;
  event(event: WireEvent): void;
  /** A request started: an HTTP/1.1 request head or a client HEADERS opening a stream. */
  exchangeOpened(exchange: string, protocol: 'http1' | 'http2'): void;
  /** Both directions of an exchange are finished (or it was reset). */
  exchangeClosed(exchange: string): void;
  /** Bytes that make no sense in their protocol. */
  error(message: string): void;
  /** A message cut short by its sender or the connection (a cancelled stream, a reset). */
  cutShort(message: string): void;
}

// `wirebench inspect`: one real call through a tap, and what crossed the wire both ways, as
// HTTP/1.1 text, HTTP/2 frames with their decoded headers, envelopes with their protobuf
// messages as JSON, trailers, hex dumps and byte totals per layer; or, with --compare, every
// variant side by side for the same operation.

import { type DescMessage, fromBinary, fromJson, type JsonValue, toJson } from '@bufbuild/protobuf';
import { type Command, Option } from 'commander';
import {
  type AccountedClient,
  type CallWire,
  createAccountedClient,
  MeasuredCallError,
  type Measurement,
} from '../clients/accounting.ts';
import {
  type Book,
  ClientError,
  type Endpoints,
  type LibraryClient,
  VARIANTS,
  type Variant,
} from '../clients/contract.ts';
import { type ServerProcess, startServerProcess } from '../clients/server-process.ts';
import {
  clippedLength,
  isMessageEvent,
  isUnitEvent,
  type WireWindow,
} from '../clients/wire/analyzer.ts';
import {
  type CodecTiming,
  isJsonContent,
  methodOfPath,
  plainPayload,
} from '../clients/wire/replay.ts';
import {
  type Direction,
  type HeaderField,
  LAYERS,
  type Layer,
  type MessageEvent,
  type UnitEvent,
} from '../clients/wire/types.ts';

// ---------------------------------------------------------------------------------------------
// Operations

let createdBooks = 0;

/** A valid ISBN-13 no seeded book has (979 prefix), different on every call. */
function freshIsbn(): string {
  createdBooks += 1;
  const n = (Date.now() % 1_000_000) * 100 + (createdBooks % 100);
  const first12 = `979${String(n).padStart(9, '0').slice(-9)}`;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3);
  return `${first12}${(10 - (sum % 10)) % 10}`;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

export interface Operation {
  describe: string;
  run(client: LibraryClient): Promise<unknown>;
}

export const OPERATIONS = {
  GetBook: { describe: 'book 1', run: (c) => c.getBook(1) },
  ListBooks: {
    describe: 'the first page of books (server default size)',
    run: (c) => c.listBooks(),
  },
  CreateBook: {
    describe: 'a new book by author 1',
    run: (c) =>
      c.createBook({
        authorId: 1,
        title: 'Seen on the Wire',
        isbn: freshIsbn(),
        genre: 'science',
        tags: ['wire', 'inspect'],
        priceCents: 1999,
        pages: 321,
        publishedAt: '2024-05-06T07:08:09.000Z',
        description: 'A book created by wirebench inspect to show a write on the wire.',
      }),
  },
  GetAuthorTree: {
    describe: '2 authors with books and latest reviews, batched (one request)',
    run: (c) => c.authorTree({ authors: 2 }, 'batched'),
  },
  GetAuthorTreeNaive: {
    describe: 'the same tree the naive way (one request per author and per book)',
    run: (c) => c.authorTree({ authors: 2 }, 'naive'),
  },
  ExportCatalog: { describe: 'every book in one response', run: (c) => c.exportCatalog() },
  StreamCatalog: {
    describe: 'every book as a stream of chunks',
    run: (c) => collect(c.streamCatalog()),
  },
} satisfies Record<string, Operation>;
export type OperationName = keyof typeof OPERATIONS;
export const OPERATION_NAMES = Object.keys(OPERATIONS) as OperationName[];

export function findOperation(name: string): OperationName | undefined {
  return OPERATION_NAMES.find((op) => op.toLowerCase() === name.toLowerCase());
}

// ---------------------------------------------------------------------------------------------
// Decoding messages for people

export interface DecodedMessage {
  /** How the payload was read. */
  as: 'json' | 'protobuf' | 'text' | 'binary';
  /** The protobuf message type, when decoded with a schema. */
  type?: string;
  json?: unknown;
  text?: string;
  /** Hex dump of the first 256 bytes, for binary payloads. */
  hex?: string;
  note?: string;
}

const PROTO_TYPES = new Set([
  'application/proto',
  'application/protobuf',
  'application/x-protobuf',
  'application/grpc',
  'application/grpc+proto',
  'application/grpc-web',
  'application/grpc-web+proto',
  'application/connect+proto',
]);

export function hexDump(bytes: Buffer, limit = 256): string {
  const lines: string[] = [];
  const shown = bytes.subarray(0, limit);
  for (let i = 0; i < shown.length; i += 16) {
    const row = shown.subarray(i, i + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row]
      .map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'))
      .join('');
    lines.push(`${i.toString(16).padStart(4, '0')}  ${hex.padEnd(47)}  |${ascii}|`);
  }
  if (bytes.length > limit) lines.push(`… ${bytes.length - limit} more bytes`);
  return lines.join('\n');
}

function schemaFor(message: MessageEvent): DescMessage | undefined {
  return methodOfPath(message.path)?.[message.dir === 'request' ? 'input' : 'output'];
}

export function decodeMessage(message: MessageEvent): DecodedMessage {
  const payload = plainPayload(message);
  if (payload === undefined) {
    return {
      as: 'binary',
      hex: hexDump(message.payload),
      note: `compressed (${message.encoding}), not decompressed`,
    };
  }
  const note = message.encoding ? `decompressed from ${message.encoding}` : undefined;
  const withNote = (decoded: DecodedMessage): DecodedMessage =>
    note === undefined ? decoded : { ...decoded, note };
  if (message.framing === 'envelope' && message.end) {
    // gRPC-Web trailers are header lines; Connect's end-of-stream message is JSON.
    if ((message.flags ?? 0) & 0x80)
      return withNote({ as: 'text', text: payload.toString('utf8') });
    try {
      return withNote({ as: 'json', json: JSON.parse(payload.toString('utf8')) });
    } catch {
      return withNote({ as: 'text', text: payload.toString('utf8') });
    }
  }
  if (isJsonContent(message.contentType)) {
    const text = payload.toString('utf8');
    try {
      return withNote({ as: 'json', json: JSON.parse(text) });
    } catch {
      return withNote({ as: 'text', text });
    }
  }
  if (PROTO_TYPES.has(message.contentType)) {
    const schema = schemaFor(message);
    if (schema) {
      try {
        const decoded = fromBinary(schema, payload);
        return withNote({
          as: 'protobuf',
          type: schema.typeName,
          json: toJson(schema, decoded),
          hex: hexDump(payload),
        });
      } catch (err) {
        return withNote({
          as: 'binary',
          hex: hexDump(payload),
          note: `not a ${schema.typeName}: ${(err as Error).message}`,
        });
      }
    }
  }
  return withNote({ as: 'binary', hex: hexDump(payload) });
}

// ---------------------------------------------------------------------------------------------
// The domain data in a response, read from the wire bytes alone (not through the client)

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A book in any protocol's JSON (REST snake_case, GraphQL, proto3 JSON) in domain form. */
export function toDomainBook(value: JsonObject): Book {
  const pick = (camel: string, snake: string) => value[camel] ?? value[snake];
  return {
    id: Number(value.id),
    authorId: Number(pick('authorId', 'author_id')),
    title: String(value.title ?? ''),
    isbn: String(value.isbn ?? ''),
    genre: String(value.genre ?? '')
      .toLowerCase()
      .replace(/^genre_/, '') as Book['genre'],
    tags: (value.tags as string[] | undefined) ?? [],
    priceCents: Number(pick('priceCents', 'price_cents') ?? 0),
    pages: Number(value.pages ?? 0),
    publishedAt: new Date(String(pick('publishedAt', 'published_at'))).toISOString(),
    description: String(value.description ?? ''),
  };
}

/** The book a GetBook or CreateBook response carries, decoded from the wire. */
export function decodeBookFromWire(variant: Variant, window: WireWindow): Book | undefined {
  const responses = window.events
    .filter(isMessageEvent)
    .filter((m) => m.dir === 'response' && !m.end);
  const message = responses.at(-1);
  if (!message) return undefined;
  const payload = plainPayload(message);
  if (payload === undefined) return undefined;
  let json: unknown;
  if (isJsonContent(message.contentType)) {
    json = JSON.parse(payload.toString('utf8'));
    const schema = schemaFor(message);
    // proto3 JSON leaves default values out; read it with its schema to get them back.
    if (schema && variant.startsWith('connect-json')) {
      json = toJson(schema, fromJson(schema, json as JsonValue), { alwaysEmitImplicit: true });
    }
  } else {
    const schema = schemaFor(message);
    if (!schema) return undefined;
    json = toJson(schema, fromBinary(schema, payload), { alwaysEmitImplicit: true });
  }
  if (!isObject(json)) return undefined;
  if (variant === 'rest') return toDomainBook(json);
  if (variant === 'graphql') {
    const data = json.data;
    const book = isObject(data) ? Object.values(data)[0] : undefined;
    return isObject(book) ? toDomainBook(book) : undefined;
  }
  return isObject(json.book) ? toDomainBook(json.book) : undefined;
}

// ---------------------------------------------------------------------------------------------
// The report

export type ReportItem =
  | { kind: 'preface'; dir: Direction; length: number; messages: ReportMessage[] }
  | {
      kind: 'frame';
      dir: Direction;
      type: string;
      flags: number;
      flagNames: string[];
      streamId: number;
      length: number;
      padLength?: number;
      block?: {
        role: 'headers' | 'trailers';
        fields: HeaderField[];
        encodedSize: number;
        decodedSize: number;
        error?: string;
      };
      settings?: { name: string; value: number }[];
      windowIncrement?: number;
      error?: string;
      lastStreamId?: number;
      data?: string;
      messages: ReportMessage[];
    }
  | {
      kind: 'head';
      dir: Direction;
      exchange: string;
      startLine: string;
      fields: HeaderField[];
      length: number;
      messages: ReportMessage[];
    }
  | { kind: 'body'; dir: Direction; length: number; messages: ReportMessage[] }
  | { kind: 'chunk'; dir: Direction; size: number; length: number; messages: ReportMessage[] }
  | {
      kind: 'last-chunk';
      dir: Direction;
      trailers: HeaderField[];
      length: number;
      messages: ReportMessage[];
    }
  | {
      kind: 'ws-frame';
      dir: Direction;
      opcode: string;
      fin: boolean;
      maskKey?: string;
      headerLength: number;
      payloadLength: number;
      messages: ReportMessage[];
    }
  | { kind: 'opaque'; dir: Direction; length: number; reason: string; messages: ReportMessage[] };

export interface ReportMessage {
  framing: MessageEvent['framing'];
  exchange: string;
  path: string | undefined;
  contentType: string;
  flags?: number;
  end: boolean;
  event?: string;
  encoding?: string;
  length: number;
  decoded: DecodedMessage;
}

export interface ReportConnection {
  conn: number;
  protocol: 'http1' | 'http2' | undefined;
  target: string | undefined;
  new: boolean;
  items: ReportItem[];
}

export interface InspectReport {
  variant: Variant;
  operation: OperationName;
  ok: boolean;
  error?: { code: string; message: string };
  latencyMs: number;
  wire: CallWire;
  codec: CodecTiming;
  /** Bytes per direction summed over the frames and messages listed (equal to wire totals). */
  listed: Record<Direction, number>;
  connections: ReportConnection[];
  /** Content codings of response messages (gzip, br, ...), when the server compressed. */
  encodings: string[];
  /** The book the response carries, decoded from the wire (GetBook, CreateBook). */
  decoded?: Book;
  /** What the client returned. */
  result?: unknown;
}

function toReportMessage(message: MessageEvent): ReportMessage {
  return {
    framing: message.framing,
    exchange: message.exchange,
    path: message.path,
    contentType: message.contentType,
    ...(message.flags === undefined ? {} : { flags: message.flags }),
    end: message.end,
    ...(message.event === undefined ? {} : { event: message.event }),
    ...(message.encoding === undefined ? {} : { encoding: message.encoding }),
    length: message.payloadLength,
    decoded: decodeMessage(message),
  };
}

function toReportItem(unit: UnitEvent, messages: ReportMessage[]): ReportItem {
  switch (unit.kind) {
    case 'h2-preface':
      return { kind: 'preface', dir: unit.dir, length: unit.length, messages };
    case 'h2-frame':
      return {
        kind: 'frame',
        dir: unit.dir,
        type: unit.typeName,
        flags: unit.flags,
        flagNames: unit.flagNames,
        streamId: unit.streamId,
        length: unit.payloadLength,
        ...(unit.padLength === undefined ? {} : { padLength: unit.padLength }),
        ...(unit.block ? { block: unit.block } : {}),
        ...(unit.settings
          ? { settings: unit.settings.map(({ name, value }) => ({ name, value })) }
          : {}),
        ...(unit.windowIncrement === undefined ? {} : { windowIncrement: unit.windowIncrement }),
        ...(unit.errorName === undefined ? {} : { error: unit.errorName }),
        ...(unit.lastStreamId === undefined ? {} : { lastStreamId: unit.lastStreamId }),
        ...(unit.opaqueData === undefined ? {} : { data: unit.opaqueData }),
        messages,
      };
    case 'http1-head':
      return {
        kind: 'head',
        dir: unit.dir,
        exchange: unit.exchange,
        startLine: unit.startLine,
        fields: unit.fields,
        length: unit.length,
        messages,
      };
    case 'http1-body':
      return { kind: 'body', dir: unit.dir, length: unit.length, messages };
    case 'http1-chunk':
      return { kind: 'chunk', dir: unit.dir, size: unit.size, length: unit.length, messages };
    case 'http1-last-chunk':
      return {
        kind: 'last-chunk',
        dir: unit.dir,
        trailers: unit.trailers,
        length: unit.length,
        messages,
      };
    case 'ws-frame':
      return {
        kind: 'ws-frame',
        dir: unit.dir,
        opcode: unit.opcodeName,
        fin: unit.fin,
        ...(unit.maskKey === undefined ? {} : { maskKey: unit.maskKey }),
        headerLength: unit.headerLength,
        payloadLength: unit.payloadLength,
        messages,
      };
    case 'opaque':
      return { kind: 'opaque', dir: unit.dir, length: unit.length, reason: unit.reason, messages };
  }
}

/**
 * The units of each connection in arrival order, each with the messages that ended inside it
 * (an envelope split over two DATA frames shows under the second).
 */
export function buildConnections(window: WireWindow): ReportConnection[] {
  const out: ReportConnection[] = [];
  for (const info of window.connections) {
    const units: { unit: UnitEvent; messages: ReportMessage[] }[] = [];
    let lastUnit: Record<Direction, { messages: ReportMessage[] } | undefined> = {
      request: undefined,
      response: undefined,
    };
    const pending: MessageEvent[] = [];
    for (const event of window.events) {
      if (event.conn !== info.conn) continue;
      if (isUnitEvent(event)) {
        const entry = { unit: event, messages: [] as ReportMessage[] };
        units.push(entry);
        lastUnit = { ...lastUnit, [event.dir]: entry };
      } else {
        pending.push(event);
      }
    }
    for (const message of pending) {
      const end = message.endOffset;
      const home =
        (end === undefined
          ? undefined
          : units.find(
              ({ unit }) =>
                unit.dir === message.dir && unit.offset < end && end <= unit.offset + unit.length,
            )) ??
        // An empty body: under the head (or frame) it belongs to.
        [...units]
          .reverse()
          .find(({ unit }) => unit.dir === message.dir && unit.offset <= message.offset) ??
        lastUnit[message.dir];
      home?.messages.push(toReportMessage(message));
    }
    out.push({
      conn: info.conn,
      protocol: info.protocol,
      target: info.target,
      new: info.opened,
      items: units.map(({ unit, messages }) => toReportItem(unit, messages)),
    });
  }
  return out;
}

/** Bytes per direction over the units listed, clipped to the window. */
export function listedBytes(window: WireWindow): Record<Direction, number> {
  const listed: Record<Direction, number> = { request: 0, response: 0 };
  for (const event of window.events) {
    if (isUnitEvent(event)) listed[event.dir] += clippedLength(event, window);
  }
  return listed;
}

function describeError(err: unknown): { code: string; message: string } {
  if (err instanceof ClientError) return { code: err.code, message: err.message };
  return { code: 'error', message: err instanceof Error ? err.message : String(err) };
}

/** Runs `operation` once through an accounted client and reports what crossed the wire. */
export async function inspectCall(
  accounted: AccountedClient,
  operation: OperationName,
): Promise<InspectReport> {
  const op: Operation = OPERATIONS[operation];
  let measurement: Omit<Measurement<unknown>, 'result'> & { result?: unknown };
  let error: { code: string; message: string } | undefined;
  try {
    measurement = await accounted.measure((client) => op.run(client));
  } catch (err) {
    if (!(err instanceof MeasuredCallError)) throw err;
    measurement = err.measurement;
    error = describeError(err.cause);
  }
  const { window } = measurement;
  const report: InspectReport = {
    variant: accounted.variant,
    operation,
    ok: error === undefined,
    latencyMs: measurement.latencyMs,
    wire: measurement.wire,
    codec: measurement.codec,
    listed: listedBytes(window),
    encodings: [
      ...new Set(
        window.events
          .filter(isMessageEvent)
          .filter((m) => m.dir === 'response' && m.encoding !== undefined)
          .map((m) => m.encoding as string),
      ),
    ],
    connections: buildConnections(window),
  };
  if (error) report.error = error;
  if (!error && (operation === 'GetBook' || operation === 'CreateBook')) {
    report.decoded = decodeBookFromWire(accounted.variant, window);
  }
  if (!error) report.result = measurement.result;
  return report;
}

// ---------------------------------------------------------------------------------------------
// Rendering

const ARROW: Record<Direction, string> = { request: '→', response: '←' };

function indent(text: string, by = '      '): string {
  return text
    .split('\n')
    .map((line) => `${by}${line}`)
    .join('\n');
}

function truncate(text: string, limit: number, bytes: number): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, limit)}\n… truncated: ${limit} of ${text.length} characters shown (${bytes} bytes on the wire)`;
}

function renderMessage(message: ReportMessage, bodyLimit: number): string {
  const lines: string[] = [];
  const flags =
    message.flags === undefined ? '' : ` flags=0x${message.flags.toString(16).padStart(2, '0')}`;
  const what =
    message.framing === 'envelope'
      ? message.end
        ? (message.flags ?? 0) & 0x80
          ? 'gRPC-Web trailer frame'
          : 'Connect end-of-stream message'
        : 'envelope'
      : message.framing === 'sse'
        ? `SSE event${message.event ? ` "${message.event}"` : ''}`
        : message.framing === 'ndjson'
          ? 'NDJSON line'
          : message.framing === 'websocket'
            ? 'WebSocket message'
            : 'body';
  const { decoded } = message;
  const type = decoded.type ? ` ${decoded.type}` : '';
  const encoding = message.encoding ? ` ${message.encoding}` : '';
  lines.push(`${what}${flags} length=${message.length}${encoding}${type}`);
  if (decoded.note) lines.push(`(${decoded.note})`);
  if (decoded.json !== undefined) {
    lines.push(truncate(JSON.stringify(decoded.json, null, 2), bodyLimit, message.length));
  } else if (decoded.text !== undefined) {
    lines.push(truncate(decoded.text.trimEnd(), bodyLimit, message.length));
  }
  if (decoded.hex !== undefined) lines.push(decoded.hex);
  return indent(lines.join('\n'));
}

function renderFields(fields: HeaderField[]): string {
  return indent(fields.map(([n, v]) => `${n}: ${v}`).join('\n'));
}

function renderItem(item: ReportItem, bodyLimit: number): string {
  const arrow = ARROW[item.dir];
  const lines: string[] = [];
  switch (item.kind) {
    case 'preface':
      lines.push(`${arrow} connection preface (${item.length} bytes)`);
      break;
    case 'frame': {
      const names = item.flagNames.length > 0 ? ` [${item.flagNames.join(' ')}]` : '';
      const flags = ` flags=0x${item.flags.toString(16).padStart(2, '0')}${names}`;
      let detail = '';
      if (item.settings?.length)
        detail = ` ${item.settings.map((s) => `${s.name}=${s.value}`).join(' ')}`;
      if (item.windowIncrement !== undefined) detail = ` increment=${item.windowIncrement}`;
      if (item.error !== undefined) detail = ` ${item.error}`;
      if (item.lastStreamId !== undefined) detail += ` last_stream=${item.lastStreamId}`;
      if (item.padLength !== undefined) detail += ` padding=${item.padLength}`;
      lines.push(
        `${arrow} ${item.type}${flags} stream=${item.streamId} length=${item.length}${detail}`,
      );
      if (item.block) {
        const b = item.block;
        lines.push(
          `      ${b.role}: HPACK ${b.encodedSize} bytes → ${b.decodedSize} bytes decoded${b.error ? ` (${b.error})` : ''}`,
        );
        lines.push(renderFields(b.fields));
      }
      break;
    }
    case 'head':
      lines.push(`${arrow} ${item.startLine}    (${item.length} bytes of head)`);
      lines.push(renderFields(item.fields));
      break;
    case 'body':
      lines.push(`${arrow} body (${item.length} bytes)`);
      break;
    case 'chunk':
      lines.push(
        `${arrow} chunk size=0x${item.size.toString(16)} (${item.size} bytes, ${item.length - item.size} of framing)`,
      );
      break;
    case 'last-chunk':
      lines.push(`${arrow} last chunk (${item.length} bytes)`);
      if (item.trailers.length > 0) {
        lines.push('      trailers:');
        lines.push(renderFields(item.trailers));
      }
      break;
    case 'ws-frame':
      lines.push(
        `${arrow} WebSocket ${item.opcode}${item.fin ? ' FIN' : ''} header=${item.headerLength} payload=${item.payloadLength}${item.maskKey ? ` mask=${item.maskKey}` : ''}`,
      );
      break;
    case 'opaque':
      lines.push(`${arrow} ${item.length} bytes not understood: ${item.reason}`);
      break;
  }
  for (const message of item.messages) lines.push(renderMessage(message, bodyLimit));
  return lines.join('\n');
}

function pad(text: string | number, width: number): string {
  return String(text).padStart(width);
}

function renderLayerTable(wire: CallWire): string {
  const header = ['', ...LAYERS, 'total'];
  const rows = (['request', 'response'] as const).map((dir) => [
    dir,
    ...LAYERS.map((l) => String(wire[dir][l])),
    String(wire[dir].total),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : pad(c, widths[i] ?? 0))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

function protocolName(protocol: ReportConnection['protocol']): string {
  return protocol === 'http2' ? 'HTTP/2' : protocol === 'http1' ? 'HTTP/1.1' : 'unknown';
}

export function renderReport(report: InspectReport, bodyLimit = 2048): string {
  const out: string[] = [];
  out.push(
    `wirebench inspect ${report.variant} ${report.operation}: ${OPERATIONS[report.operation].describe}`,
  );
  for (const connection of report.connections) {
    out.push('');
    out.push(
      `connection ${connection.conn} · ${protocolName(connection.protocol)} · ${connection.new ? 'new' : 'reused'} · server ${connection.target ?? '?'}`,
    );
    for (const item of connection.items) out.push(renderItem(item, bodyLimit));
  }
  out.push('');
  out.push('bytes on the wire');
  out.push(renderLayerTable(report.wire));
  const w = report.wire;
  const requests = [
    w.httpRequests > 0
      ? `${w.httpRequests} HTTP/1.1 request${w.httpRequests === 1 ? '' : 's'}`
      : '',
    w.streams > 0 ? `${w.streams} HTTP/2 stream${w.streams === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  out.push(
    `${requests.join(', ')} · ${w.connectionsOpened} new connection${w.connectionsOpened === 1 ? '' : 's'} · messages ${w.messages.request} → ${w.messages.response} ←`,
  );
  out.push(
    `headers decoded: request ${w.request.headersDecoded} bytes, response ${w.response.headersDecoded} bytes (HPACK-decoded on HTTP/2)`,
  );
  out.push(
    `latency ${report.latencyMs.toFixed(2)} ms · client codec (${report.codec.codec}, replayed after the call) encode ${report.codec.encodeMs.toFixed(3)} ms, decode ${report.codec.decodeMs.toFixed(3)} ms`,
  );
  if (w.cutShort.length > 0) out.push(`cut short: ${w.cutShort.join('; ')}`);
  if (w.errors.length > 0) out.push(`NOT UNDERSTOOD: ${w.errors.join('; ')}`);
  if (report.error) out.push(`the call failed: ${report.error.code}: ${report.error.message}`);
  return out.join('\n');
}

export interface CompareRow {
  variant: Variant;
  cold?: InspectReport;
  warm?: InspectReport;
  error?: string;
}

function compareTable(
  rows: CompareRow[],
  pickReport: (row: CompareRow) => InspectReport | undefined,
): string {
  const header = [
    'variant',
    'req hdr',
    'req frm',
    'req body',
    'res hdr',
    'res frm',
    'res body',
    'res trl',
    'conn',
    'total',
    'requests',
    'res coding',
  ];
  const body = rows.map((row) => {
    const report = pickReport(row);
    if (!report?.ok) {
      const why =
        row.error ?? (report?.error ? `${report.error.code}: ${report.error.message}` : 'n/a');
      return [row.variant, `n/a (${why.length > 80 ? `${why.slice(0, 77)}...` : why})`];
    }
    const w = report.wire;
    const n = (layer: Layer, dir: Direction) => String(w[dir][layer]);
    const requests =
      w.streams > 0 && w.httpRequests > 0
        ? `${w.httpRequests} req + ${w.streams} str`
        : w.streams > 0
          ? `${w.streams} stream${w.streams === 1 ? '' : 's'}`
          : `${w.httpRequests} req`;
    // Request trailers (HTTP/1.1 chunked trailers, Connect client-stream end messages) are
    // rare; they count in the request framing column so the row still adds up.
    return [
      row.variant,
      n('headers', 'request'),
      String(w.request.framing + w.request.trailers),
      n('body', 'request'),
      n('headers', 'response'),
      n('framing', 'response'),
      n('body', 'response'),
      n('trailers', 'response'),
      String(w.request.connection + w.response.connection),
      String(w.totals.total),
      requests,
      report.encodings.join(',') || 'identity',
    ];
  });
  const full = body.filter((r) => r.length === header.length);
  const widths = header.map((h, i) => Math.max(h.length, ...full.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.length < header.length
      ? `${(cells[0] ?? '').padEnd(widths[0] ?? 0)}  ${cells[1] ?? ''}`
      : cells
          .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : pad(c, widths[i] ?? 0)))
          .join('  ');
  return [line(header), ...body.map(line)].join('\n');
}

export function renderCompare(operation: OperationName, rows: CompareRow[]): string {
  const out: string[] = [];
  out.push(`wirebench inspect --compare ${operation}: ${OPERATIONS[operation].describe}`);
  out.push('bytes per layer (req = client to server, res = server to client); conn = connection');
  out.push('management both ways (HTTP/2 preface, SETTINGS, WINDOW_UPDATE, PING, GOAWAY,');
  out.push('RST_STREAM); res coding = how the server compressed the response (body counts the');
  out.push('compressed bytes); frm = framing (chunking, frame headers, envelopes, SSE/NDJSON).');
  out.push('');
  out.push('first call (opens its connection)');
  out.push(compareTable(rows, (row) => row.cold));
  out.push('');
  out.push('second call (reuses the connection; HPACK has seen the headers once)');
  out.push(compareTable(rows, (row) => row.warm));
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The command

export interface InspectFlags {
  compare?: boolean;
  json?: boolean;
  warm?: boolean;
  http?: string;
  h2?: string;
  grpc?: string;
  bodyLimit: number;
}

class UsageError extends Error {}

function usage(message: string): never {
  throw new UsageError(message);
}

async function withEndpoints<T>(
  flags: InspectFlags,
  work: (endpoints: Endpoints) => Promise<T>,
): Promise<T> {
  if (flags.http || flags.h2 || flags.grpc) {
    return work({
      http: flags.http ?? 'http://127.0.0.1:8080',
      h2: flags.h2 ?? 'http://127.0.0.1:8081',
      grpc: flags.grpc ?? '127.0.0.1:50051',
    });
  }
  let server: ServerProcess | undefined;
  try {
    server = await startServerProcess({ scale: 'small' });
    return await work(server.endpoints);
  } finally {
    await server?.stop();
  }
}

/** One variant: an optional warm-up, then the call that is reported. */
export async function inspectVariant(
  variant: Variant,
  operation: OperationName,
  endpoints: Endpoints,
  options: { warm?: boolean | undefined; settleMs?: number | undefined } = {},
): Promise<InspectReport> {
  // A short quiet period after the call catches trailing frames (WINDOW_UPDATE, GOAWAY).
  const accounted = await createAccountedClient(variant, endpoints, {
    settleMs: options.settleMs ?? 20,
  });
  try {
    if (options.warm) await inspectCall(accounted, operation);
    return await inspectCall(accounted, operation);
  } finally {
    await accounted.close();
  }
}

/** Every variant, one after the other: a first call and a second on the same client. */
export async function compareVariants(
  operation: OperationName,
  endpoints: Endpoints,
  variants: readonly Variant[] = VARIANTS,
): Promise<CompareRow[]> {
  const rows: CompareRow[] = [];
  for (const variant of variants) {
    let accounted: AccountedClient | undefined;
    try {
      accounted = await createAccountedClient(variant, endpoints, { settleMs: 20 });
      const cold = await inspectCall(accounted, operation);
      const warm = await inspectCall(accounted, operation);
      rows.push({ variant, cold, warm });
    } catch (err) {
      rows.push({ variant, error: err instanceof Error ? err.message : String(err) });
    } finally {
      await accounted?.close();
    }
  }
  return rows;
}

/** Drops payload bytes from JSON output (they are shown decoded). */
function toJsonOutput(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? undefined : v), 2);
}

export async function runInspect(args: string[], flags: InspectFlags): Promise<number> {
  const variantList = VARIANTS.join(', ');
  const operationList = OPERATION_NAMES.join(', ');
  if (flags.compare) {
    if (args.length !== 1) usage(`inspect --compare takes one OPERATION (${operationList})`);
    const operation = findOperation(args[0] as string);
    if (!operation) usage(`unknown operation "${args[0]}"; valid: ${operationList}`);
    const rows = await withEndpoints(flags, (endpoints) => compareVariants(operation, endpoints));
    process.stdout.write(
      flags.json
        ? `${toJsonOutput({ operation, variants: rows })}\n`
        : `${renderCompare(operation, rows)}\n`,
    );
    return rows.every((row) => row.cold?.ok && row.warm?.ok) ? 0 : 1;
  }
  if (args.length !== 2) usage(`inspect takes PROTOCOL OPERATION (or --compare OPERATION)`);
  const [variantName, operationName] = args as [string, string];
  if (!(VARIANTS as readonly string[]).includes(variantName)) {
    usage(`unknown protocol "${variantName}"; valid: ${variantList}`);
  }
  const operation = findOperation(operationName);
  if (!operation) usage(`unknown operation "${operationName}"; valid: ${operationList}`);
  const report = await withEndpoints(flags, (endpoints) =>
    inspectVariant(variantName as Variant, operation, endpoints, { warm: flags.warm }),
  );
  process.stdout.write(
    flags.json ? `${toJsonOutput(report)}\n` : `${renderReport(report, flags.bodyLimit)}\n`,
  );
  return report.ok ? 0 : 1;
}

function parseLimit(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error('--body-limit must be a whole number');
  return n;
}

/** Adds `inspect` to the wirebench program. */
export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('make one real call and print what crossed the wire, both ways')
    .argument('[protocol]', `a protocol variant: ${VARIANTS.join(', ')}`)
    .argument('[operation]', `an operation: ${OPERATION_NAMES.join(', ')}`)
    .addOption(new Option('--compare', 'every variant side by side for OPERATION'))
    .addOption(new Option('--json', 'print the structured result instead of text'))
    .addOption(
      new Option(
        '--warm',
        'make one unreported call first, so the reported one reuses the connection',
      ),
    )
    .addOption(new Option('--http <url>', 'use this HTTP/1.1 server instead of starting one'))
    .addOption(new Option('--h2 <url>', 'use this HTTP/2 (connect-node) server'))
    .addOption(new Option('--grpc <host:port>', 'use this grpc-js server'))
    .addOption(
      new Option('--body-limit <chars>', 'truncate printed bodies past this many characters')
        .default(2048)
        .argParser(parseLimit),
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  wirebench inspect grpc GetBook              frames, HPACK headers, envelope, trailers',
        '  wirebench inspect rest GetAuthorTreeNaive   every request of the naive nested read',
        '  wirebench inspect --compare GetBook         every protocol side by side, byte totals',
        '  wirebench inspect connect-proto-h2 ListBooks --warm --json',
        '',
        'Without --http/--h2/--grpc a server is started (small dataset) and stopped afterwards.',
        'Exit codes: 0 the call succeeded, 1 it failed, 2 usage error.',
      ].join('\n'),
    )
    .action(
      async (
        protocol: string | undefined,
        operation: string | undefined,
        flags: InspectFlags,
        command: Command,
      ) => {
        const args = [protocol, operation].filter((a): a is string => a !== undefined);
        try {
          process.exitCode = await runInspect(args, flags);
        } catch (err) {
          if (err instanceof UsageError) command.error(`error: ${err.message}`, { exitCode: 2 });
          throw err;
        }
      },
    );
}

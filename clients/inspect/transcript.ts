// The inspector's transcript of a call: what crossed the wire both ways, unit by unit, with the
// messages each unit carried decoded; made for one variant, or for several side by side.

import {
  type AccountedClient,
  type CallWire,
  createAccountedClient,
  MeasuredCallError,
  type Measurement,
} from '../accounting.ts';
import { type Book, ClientError, type Endpoints, VARIANTS, type Variant } from '../contract.ts';
import { clippedLength, isMessageEvent, isUnitEvent, type WireWindow } from '../wire/analyzer.ts';
import type { CodecTiming } from '../wire/replay.ts';
import type { Direction, HeaderField, MessageEvent, UnitEvent } from '../wire/types.ts';
import { type DecodedMessage, decodeBookFromWire, decodeMessage } from './decode.ts';
import { OPERATIONS, type Operation, type OperationName } from './operations.ts';

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
  if (!error && op.returnsBook) {
    report.decoded = decodeBookFromWire(accounted.variant, window);
  }
  if (!error) report.result = measurement.result;
  return report;
}

export interface CompareRow {
  variant: Variant;
  cold?: InspectReport;
  warm?: InspectReport;
  /** Set when no client could be made for the variant (the calls never ran). */
  error?: string;
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

/**
 * The variants one after the other against servers already running: a first call and a second
 * on the same client, so the table shows what a new connection costs and what HPACK saves.
 */
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

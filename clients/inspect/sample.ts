// The compact wire sample of compareVariants rows (units, fields, messages with long strings cut);
// library code, so a shootout phase can build one without importing reports/ or cli/.

import { type LayerCounts, layerTotals } from '../wire/types.ts';
import type { CompareRow, InspectReport, ReportItem, ReportMessage } from './transcript.ts';

export const WIRE_SAMPLE_SCHEMA = 'wirebench.wire-sample/v1';

/**
 * Bytes per layer of one direction: the shape of bench/shootout/results.ts's WireLayers, written
 * again here because clients import nothing from bench.
 */
export interface WireSampleLayers extends LayerCounts {
  total: number;
}

export interface WireSampleLine {
  dir: 'request' | 'response';
  text: string;
  /** Bytes of the unit the line starts (0 on continuation lines: fields, messages). */
  bytes: number;
}

export interface WireSampleCall {
  transport: 'http1' | 'http2' | 'mixed';
  request: WireSampleLayers;
  response: WireSampleLayers;
  httpRequests: number;
  streams: number;
  /** Content codings the server applied to the response (empty: identity). */
  encodings: string[];
  lines: WireSampleLine[];
}
export interface WireSampleVariant {
  variant: string;
  ok: boolean;
  error?: string;
  /** The first call, on a new connection. */
  first?: WireSampleCall;
  /** A second call on the same connection. */
  steady?: WireSampleCall;
}

export interface WireSample {
  schema: typeof WIRE_SAMPLE_SCHEMA;
  operation: string;
  describe: string;
  capturedAt: string;
  /** Where the capture came from (which servers, their seed and scale). */
  source: string;
  variants: WireSampleVariant[];
}

const STRING_LIMIT = 48;

/** Long strings (the ~1 KB description) are cut so a transcript fits a column. */
function shorten(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.length > STRING_LIMIT
      ? `${value.slice(0, STRING_LIMIT)}…(${value.length.toLocaleString('en-US')} chars)`
      : value;
  }
  if (Array.isArray(value)) return value.map(shorten);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shorten(v)]));
  }
  return value;
}

function describeMessage(message: ReportMessage): string {
  const d = message.decoded;
  const what =
    d.json !== undefined
      ? JSON.stringify(shorten(d.json))
      : d.text !== undefined
        ? JSON.stringify(shorten(d.text))
        : `(${d.as})`;
  const coding = message.encoding ? ` ${message.encoding}` : '';
  return `  ${message.framing} ${message.length.toLocaleString('en-US')} B${coding}${d.type ? ` ${d.type}` : ''} ${what}`;
}

function itemLines(item: ReportItem): WireSampleLine[] {
  const dir = item.dir;
  const lines: WireSampleLine[] = [];
  const push = (text: string, bytes = 0) => lines.push({ dir, text, bytes });
  switch (item.kind) {
    case 'preface':
      push('HTTP/2 connection preface', item.length);
      break;
    case 'frame': {
      const flags = item.flagNames.length > 0 ? ` [${item.flagNames.join(', ')}]` : '';
      const stream = item.streamId > 0 ? ` stream ${item.streamId}` : '';
      const extra = item.settings?.length
        ? ` ${item.settings.map((s) => `${s.name}=${s.value}`).join(' ')}`
        : item.windowIncrement !== undefined
          ? ` +${item.windowIncrement}`
          : '';
      // A frame header is 9 bytes on top of its payload.
      push(
        `${item.type}${stream}${flags}${extra}${item.block?.role === 'trailers' ? ' (trailers)' : ''}`,
        item.length + 9,
      );
      for (const [name, value] of item.block?.fields ?? []) push(`  ${name}: ${value}`);
      break;
    }
    case 'head':
      push(item.startLine, item.length);
      for (const [name, value] of item.fields) push(`  ${name}: ${value}`);
      break;
    case 'body':
      push('body', item.length);
      break;
    case 'chunk':
      push(`chunk of ${item.size.toLocaleString('en-US')} B`, item.length);
      break;
    case 'last-chunk':
      push('last chunk', item.length);
      for (const [name, value] of item.trailers) push(`  ${name}: ${value}`);
      break;
    case 'ws-frame':
      push(`WebSocket ${item.opcode}`, item.headerLength + item.payloadLength);
      break;
    case 'opaque':
      push(`opaque: ${item.reason}`, item.length);
      break;
  }
  for (const message of item.messages) push(describeMessage(message));
  return lines;
}

function toCall(report: InspectReport): WireSampleCall {
  const protocols = new Set(report.connections.map((c) => c.protocol ?? 'http1'));
  return {
    transport: protocols.size > 1 ? 'mixed' : protocols.has('http2') ? 'http2' : 'http1',
    request: layerTotals(report.wire.request),
    response: layerTotals(report.wire.response),
    httpRequests: report.wire.httpRequests,
    streams: report.wire.streams,
    encodings: report.encodings,
    lines: report.connections.flatMap((c) => c.items.flatMap(itemLines)),
  };
}

/** Turns `inspect --compare` rows into the compact sample a report shows. */
export function toWireSample(
  operation: { name: string; describe: string },
  rows: CompareRow[],
  source: string,
  capturedAt = new Date(),
): WireSample {
  return {
    schema: WIRE_SAMPLE_SCHEMA,
    operation: operation.name,
    describe: operation.describe,
    capturedAt: capturedAt.toISOString(),
    source,
    variants: rows.map((row) => {
      const ok = Boolean(row.cold?.ok && row.warm?.ok);
      const error =
        row.error ??
        (row.cold?.error ? `${row.cold.error.code}: ${row.cold.error.message}` : undefined) ??
        (row.warm?.error ? `${row.warm.error.code}: ${row.warm.error.message}` : undefined);
      return {
        variant: row.variant,
        ok,
        ...(error === undefined ? {} : { error }),
        ...(row.cold ? { first: toCall(row.cold) } : {}),
        ...(row.warm ? { steady: toCall(row.warm) } : {}),
      };
    }),
  };
}

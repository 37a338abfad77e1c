// A transcript as text for a terminal: `wirebench inspect` prints renderReport for one call and
// renderCompare for the side-by-side tables of --compare.

import type { CallWire } from '../accounting.ts';
import { type Direction, type HeaderField, LAYERS, type Layer } from '../wire/types.ts';
import { OPERATIONS, type OperationName } from './operations.ts';
import type {
  CompareRow,
  InspectReport,
  ReportConnection,
  ReportItem,
  ReportMessage,
} from './transcript.ts';

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

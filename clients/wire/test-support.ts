// Helpers for the wire specs: feed hand-made traffic to the analyzer as if a tap had recorded
// it, and build HTTP/2 frames and envelopes.

import hpack from 'hpack.js';
import { WireAnalyzer, type WireWindow } from './analyzer.ts';
import type { TapRecord } from './tap.ts';
import type { Direction } from './types.ts';

export type Traffic = [Direction, Buffer | string][];

/**
 * Analyzes one connection's traffic in one window. `split` cuts every chunk into pieces of at
 * most that many bytes, to prove that chunk boundaries change nothing.
 */
export function analyzeTraffic(traffic: Traffic, split = Number.POSITIVE_INFINITY): WireWindow {
  const analyzer = new WireAnalyzer();
  analyzer.ingest(toRecords(traffic, split));
  return analyzer.cut();
}

export function toRecords(
  traffic: Traffic,
  split = Number.POSITIVE_INFINITY,
  conn = 1,
): TapRecord[] {
  const records: TapRecord[] = [{ kind: 'open', seq: 0, conn, at: 0, target: 'test' }];
  const offsets: Record<Direction, number> = { request: 0, response: 0 };
  for (const [dir, data] of traffic) {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    for (let i = 0; i < bytes.length; i += split) {
      const part = bytes.subarray(i, Math.min(bytes.length, i + split));
      records.push({
        kind: 'data',
        seq: records.length,
        conn,
        dir,
        offset: offsets[dir],
        bytes: part,
        at: records.length,
      });
      offsets[dir] += part.length;
    }
  }
  records.push({ kind: 'close', seq: records.length, conn, at: records.length });
  return records;
}

export function layerSum(window: WireWindow, dir: Direction): number {
  const layers = window[dir].layers;
  return layers.headers + layers.trailers + layers.framing + layers.body + layers.connection;
}

/** One HTTP/2 frame. */
export function h2Frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

/** An HPACK encoder for one direction of a connection. */
export function createHpackEncoder(): (fields: [string, string][]) => Buffer {
  const compressor = hpack.compressor.create({ table: { maxSize: 4096 } });
  return (fields) => {
    compressor.write(fields.map(([name, value]) => ({ name, value })));
    const out: Buffer[] = [];
    for (let chunk = compressor.read(); chunk !== null; chunk = compressor.read()) out.push(chunk);
    return Buffer.concat(out);
  };
}

/** A 5-byte envelope around `payload`. */
export function envelope(flags: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

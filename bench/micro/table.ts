// Renders micro-benchmark rows for a terminal: one table row per (payload, codec) with encode
// and decode rates and the three sizes, then one line per payload of sizes relative to REST.

import Table from 'cli-table3';
import type { MicroResult } from '../shootout/results.ts';
import { COMPRESSION } from './sizes.ts';

const BASELINE = 'rest-json';

interface Pair {
  payload: string;
  codec: string;
  encode: MicroResult | undefined;
  decode: MicroResult | undefined;
  bytes: MicroResult['bytes'];
}

/** Encode and decode rows side by side, in the order the rows came (payload, then codec). */
function pairRows(results: readonly MicroResult[]): Pair[] {
  const pairs = new Map<string, Pair>();
  for (const row of results) {
    const key = `${row.payload}/${row.codec}`;
    const pair = pairs.get(key) ?? {
      payload: row.payload,
      codec: row.codec,
      encode: undefined,
      decode: undefined,
      bytes: row.bytes,
    };
    pair[row.operation] = row;
    pairs.set(key, pair);
  }
  return [...pairs.values()];
}

function formatRate(row: MicroResult | undefined): string {
  if (row === undefined) return '-';
  const ops = row.opsPerSecond >= 100 ? Math.round(row.opsPerSecond) : row.opsPerSecond;
  const rate = ops.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return `${rate} ±${row.marginPercent.toFixed(1)}%`;
}

function formatBytes(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatMicroTable(results: readonly MicroResult[]): string {
  const table = new Table({
    head: ['payload', 'codec', 'encode ops/s', 'decode ops/s', 'raw B', 'gzip B', 'brotli B'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [], compact: true },
  });
  let previous: string | undefined;
  for (const pair of pairRows(results)) {
    table.push([
      pair.payload === previous ? '' : pair.payload,
      pair.codec,
      formatRate(pair.encode),
      formatRate(pair.decode),
      formatBytes(pair.bytes.raw),
      formatBytes(pair.bytes.gzip),
      formatBytes(pair.bytes.brotli),
    ]);
    previous = pair.payload;
  }
  return table.toString();
}

/** Per payload: each codec's raw / gzip / brotli size as a ratio of rest-json's. */
export function formatSizeRatios(results: readonly MicroResult[]): string[] {
  const byPayload = new Map<string, Pair[]>();
  for (const pair of pairRows(results)) {
    byPayload.set(pair.payload, [...(byPayload.get(pair.payload) ?? []), pair]);
  }
  const lines: string[] = [];
  for (const [payload, pairs] of byPayload) {
    const base = pairs.find((p) => p.codec === BASELINE)?.bytes;
    if (base === undefined) continue;
    const ratio = (n: number, d: number) => (d > 0 ? (n / d).toFixed(2) : '-');
    const parts = pairs
      .filter((p) => p.codec !== BASELINE)
      .map(
        (p) =>
          `${p.codec} ${ratio(p.bytes.raw, base.raw)}/${ratio(p.bytes.gzip, base.gzip)}/${ratio(p.bytes.brotli, base.brotli)}`,
      );
    lines.push(`${payload} vs ${BASELINE} (raw/gzip/brotli): ${parts.join(', ')}`);
  }
  return lines;
}

export function formatMicroReport(results: readonly MicroResult[]): string {
  return [
    formatMicroTable(results),
    ...formatSizeRatios(results),
    `ops/s: mean rate ± tinybench's relative margin of error (95%); gzip ${COMPRESSION.gzip}, brotli ${COMPRESSION.brotli}`,
  ].join('\n');
}

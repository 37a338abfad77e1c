// Payload sizes as they would cross the wire: raw, and compressed with node:zlib at its default
// levels, the levels an HTTP server gets when it enables compression without tuning it.

import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Encoded } from './payloads.ts';

/** The compression settings behind `bytes.gzip` and `bytes.brotli`, for reports. */
export const COMPRESSION = {
  gzip: 'level 6 (Z_DEFAULT_COMPRESSION)',
  brotli: `quality ${constants.BROTLI_DEFAULT_QUALITY}, window ${constants.BROTLI_DEFAULT_WINDOW} (node:zlib defaults)`,
} as const;

export interface Sizes {
  raw: number;
  gzip: number;
  brotli: number;
}

/**
 * The encoded payload as the bytes of one body: text as UTF-8, a stream of messages
 * concatenated (without the transport's per-message framing, e.g. gRPC's 5-byte prefix).
 */
export function toBytes(encoded: Encoded): Uint8Array {
  if (typeof encoded === 'string') return Buffer.from(encoded, 'utf8');
  if (encoded instanceof Uint8Array) return encoded;
  return Buffer.concat(
    encoded.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)),
  );
}

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

// Brotli at quality 11 takes seconds on a catalog of the default scale; identical bytes
// (protobufjs and protobuf-es write the same) and repeated runs are compressed once.
const measured = new Map<string, Promise<Sizes>>();

/**
 * Sizes of one encoded payload. Asynchronous so that several payloads compress at once on
 * zlib's thread pool; call it before timing anything, never during.
 */
export function measureSizes(encoded: Encoded): Promise<Sizes> {
  const bytes = toBytes(encoded);
  const key = createHash('sha256').update(bytes).digest('base64');
  let sizes = measured.get(key);
  if (sizes === undefined) {
    sizes = Promise.all([gzipAsync(bytes), brotliAsync(bytes)]).then(([gz, br]) => ({
      raw: bytes.byteLength,
      gzip: gz.byteLength,
      brotli: br.byteLength,
    }));
    measured.set(key, sizes);
  }
  return sizes;
}

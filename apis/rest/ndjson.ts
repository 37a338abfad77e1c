// Splits a streamed body into NDJSON lines as bytes arrive, with caps on total bytes and on
// one line's bytes, so that a large import is parsed without buffering the whole body.

import type { Readable } from 'node:stream';
import { RestError } from './problem.ts';

export interface NdjsonLine {
  /** 1-based line number in the body. */
  line: number;
  /** The line without its line break; empty when `tooLong`. */
  text: string;
  /** The line was longer than maxLineBytes; its bytes were discarded. */
  tooLong: boolean;
}

export interface NdjsonLimits {
  maxBytes: number;
  maxLineBytes: number;
}

const NEWLINE = 0x0a;

/**
 * Yields each line of `body`. Throws RestError 413 resource_exhausted as soon as the body
 * passes maxBytes. The stream is not destroyed when the caller stops early (destroying a
 * server request would drop the socket before the error response is written).
 */
export async function* readNdjsonLines(
  body: Readable,
  limits: NdjsonLimits,
): AsyncGenerator<NdjsonLine> {
  let total = 0;
  let line = 1;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let tooLong = false;

  const finish = (): NdjsonLine => {
    let buf = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, partBytes);
    if (buf.length > 0 && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
    const out = { line, text: tooLong ? '' : buf.toString('utf8'), tooLong };
    parts = [];
    partBytes = 0;
    tooLong = false;
    line++;
    return out;
  };

  for await (const chunk of body.iterator({ destroyOnReturn: false })) {
    const bytes: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += bytes.length;
    if (total > limits.maxBytes) {
      throw new RestError(
        413,
        'resource_exhausted',
        `the import body is larger than ${limits.maxBytes} bytes`,
      );
    }
    let start = 0;
    for (;;) {
      const nl = bytes.indexOf(NEWLINE, start);
      const end = nl === -1 ? bytes.length : nl;
      if (!tooLong) {
        if (partBytes + (end - start) > limits.maxLineBytes) {
          tooLong = true;
          parts = [];
          partBytes = 0;
        } else if (end > start) {
          parts.push(bytes.subarray(start, end));
          partBytes += end - start;
        }
      }
      if (nl === -1) break;
      yield finish();
      start = nl + 1;
    }
  }
  if (partBytes > 0 || tooLong) yield finish();
}

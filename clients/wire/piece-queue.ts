// A byte queue for incremental parsers that remembers where every byte sat on the wire, so a
// parser can attribute what it consumes to a layer even when its input is the de-chunked body
// of an HTTP/1.1 message or the DATA payloads of an HTTP/2 stream (not contiguous on the wire).

import type { Layer } from './types.ts';

/** Bytes with the wire offset of their first byte. */
export interface Piece {
  bytes: Buffer;
  offset: number;
}

export type SegmentEmitter = (offset: number, length: number, layer: Layer) => void;

export class PieceQueue {
  private pieces: Piece[] = [];
  /** Bytes already consumed from pieces[0]. */
  private head = 0;
  private size = 0;
  /** Wire offset just past the last byte consumed. */
  consumedEnd: number | undefined;

  constructor(private readonly emit: SegmentEmitter) {}

  get available(): number {
    return this.size;
  }

  /** Wire offset of the next unread byte (undefined when empty). */
  get position(): number | undefined {
    const first = this.pieces[0];
    return first === undefined ? undefined : first.offset + this.head;
  }

  push(bytes: Buffer, offset: number): void {
    if (bytes.length === 0) return;
    this.pieces.push({ bytes, offset });
    this.size += bytes.length;
  }

  /** The byte at `index` from the read position. */
  byteAt(index: number): number | undefined {
    let i = index + this.head;
    for (const piece of this.pieces) {
      if (i < piece.bytes.length) return piece.bytes[i];
      i -= piece.bytes.length;
    }
    return undefined;
  }

  /** The first `n` bytes without consuming them (a copy only when they span pieces). */
  peek(n: number): Buffer | undefined {
    if (n > this.size) return undefined;
    const first = this.pieces[0];
    if (first !== undefined && first.bytes.length - this.head >= n) {
      return first.bytes.subarray(this.head, this.head + n);
    }
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    let skip = this.head;
    for (const piece of this.pieces) {
      const part = piece.bytes.subarray(skip, skip + (n - written));
      skip = 0;
      part.copy(out, written);
      written += part.length;
      if (written === n) break;
    }
    return out;
  }

  /** Index of `byte` at or after `from`, searching at most `limit` bytes; -1 when absent. */
  indexOf(byte: number, from = 0, limit = Number.POSITIVE_INFINITY): number {
    let base = 0;
    let skip = this.head;
    const end = Math.min(this.size, limit);
    for (const piece of this.pieces) {
      const visible = piece.bytes.length - skip;
      if (from < base + visible) {
        const start = skip + Math.max(0, from - base);
        const found = piece.bytes.indexOf(byte, start);
        if (found !== -1) {
          const index = base + (found - skip);
          return index < end ? index : -1;
        }
      }
      base += visible;
      skip = 0;
      if (base >= end) break;
    }
    return -1;
  }

  /** Index of the first CRLF CRLF within `limit` bytes, or -1. */
  indexOfHeadEnd(limit: number): number {
    let from = 0;
    for (;;) {
      const lf = this.indexOf(0x0a, from, limit);
      if (lf === -1) return -1;
      if (lf >= 3 && this.byteAt(lf - 1) === 0x0d && this.byteAt(lf - 2) === 0x0a) {
        if (this.byteAt(lf - 3) === 0x0d) return lf - 3;
      }
      from = lf + 1;
    }
  }

  /**
   * Consumes `n` bytes (at most what is available), attributes them to `layer` (or to nobody
   * when `layer` is null: a nested parser will) and returns them as wire pieces.
   */
  take(n: number, layer: Layer | null): Piece[] {
    const out: Piece[] = [];
    let remaining = Math.min(n, this.size);
    while (remaining > 0) {
      const first = this.pieces[0] as Piece;
      const visible = first.bytes.length - this.head;
      const count = Math.min(visible, remaining);
      const piece = {
        bytes: first.bytes.subarray(this.head, this.head + count),
        offset: first.offset + this.head,
      };
      out.push(piece);
      this.consumedEnd = piece.offset + count;
      if (layer !== null) this.emit(piece.offset, count, layer);
      remaining -= count;
      this.size -= count;
      if (count === visible) {
        this.pieces.shift();
        this.head = 0;
      } else {
        this.head += count;
      }
    }
    return out;
  }

  /** Consumes and attributes `n` bytes, returning them as one buffer. */
  takeBytes(n: number, layer: Layer | null): Buffer {
    return concatPieces(this.take(n, layer));
  }
}

export function concatPieces(pieces: Piece[]): Buffer {
  if (pieces.length === 1) return (pieces[0] as Piece).bytes;
  return Buffer.concat(pieces.map((p) => p.bytes));
}

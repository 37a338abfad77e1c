// NDJSON both ways: a response body split into lines as it arrives, and a request body written
// from an (async) iterable without holding the whole list in memory.

const NEWLINE = '\n';

/**
 * The lines of a streamed body, one batch per received network chunk: each batch holds the
 * lines that chunk completed. A batch is what the network delivered, so a consumer sees the
 * stream's real granularity (the REST server flushes about 64 KiB at a time) without waiting
 * for a fixed count of items.
 */
export async function* readNdjsonBatches<T>(
  body: AsyncIterable<Uint8Array>,
  parseLine: (line: string) => T,
): AsyncGenerator<T[]> {
  const decoder = new TextDecoder();
  let partial = '';
  for await (const chunk of body) {
    const text = partial + decoder.decode(chunk, { stream: true });
    const end = text.lastIndexOf(NEWLINE);
    if (end === -1) {
      partial = text;
      continue;
    }
    partial = text.slice(end + 1);
    const batch: T[] = [];
    for (const line of text.slice(0, end).split(NEWLINE)) {
      if (line.trim() !== '') batch.push(parseLine(line));
    }
    if (batch.length > 0) yield batch;
  }
  const last = partial + decoder.decode();
  if (last.trim() !== '') yield [parseLine(last)];
}

/**
 * Items as NDJSON text, gathered into pieces of about `flushBytes`: one piece per item would
 * make one chunked-encoding frame (and one write) per review.
 */
export async function* writeNdjson<T>(
  items: AsyncIterable<T> | Iterable<T>,
  toLine: (item: T) => unknown,
  flushBytes = 64 * 1024,
): AsyncGenerator<string> {
  let pending = '';
  for await (const item of items) {
    pending += `${JSON.stringify(toLine(item))}${NEWLINE}`;
    if (pending.length >= flushBytes) {
      yield pending;
      pending = '';
    }
  }
  if (pending !== '') yield pending;
}

import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { type NdjsonLine, readNdjsonLines } from './ndjson.ts';
import { RestError } from './problem.ts';

async function collect(chunks: Buffer[], maxBytes = 1024, maxLineBytes = 64) {
  const out: NdjsonLine[] = [];
  for await (const line of readNdjsonLines(Readable.from(chunks), { maxBytes, maxLineBytes })) {
    out.push(line);
  }
  return out;
}

describe('readNdjsonLines', () => {
  test('lines split across chunks, CRLF and a multi-byte character cut in two', async () => {
    const bytes = Buffer.from('{"a":1}\r\n{"b":"é"}\n\n{"c":3}', 'utf8');
    const cut = bytes.indexOf(0xa9); // the second byte of é
    const chunks = [bytes.subarray(0, 3), bytes.subarray(3, cut), bytes.subarray(cut)];
    assert.deepEqual(await collect(chunks), [
      { line: 1, text: '{"a":1}', tooLong: false },
      { line: 2, text: '{"b":"é"}', tooLong: false },
      { line: 3, text: '', tooLong: false },
      { line: 4, text: '{"c":3}', tooLong: false },
    ]);
  });

  test('a line over maxLineBytes is flagged and skipped; the next line is intact', async () => {
    const long = 'x'.repeat(100);
    const lines = await collect([
      Buffer.from(`${long.slice(0, 50)}`),
      Buffer.from(`${long.slice(50)}\nok\n`),
    ]);
    assert.deepEqual(lines, [
      { line: 1, text: '', tooLong: true },
      { line: 2, text: 'ok', tooLong: false },
    ]);
  });

  test('a body over maxBytes throws 413 resource_exhausted', async () => {
    const chunks = Array.from({ length: 20 }, () => Buffer.from('{"k":"0123456789"}\n'));
    await assert.rejects(collect(chunks, 100), (err: unknown) => {
      assert.ok(err instanceof RestError);
      assert.equal(err.status, 413);
      assert.equal(err.code, 'resource_exhausted');
      return true;
    });
  });
});

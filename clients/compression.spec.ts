// Response compression end to end: against `serve --compression` every variant whose server can
// compress receives a gzip-compressed ListBooks page (smaller on the wire, the same data), while
// grpc-js, which cannot compress responses, answers plain; a server without the flag answers
// plain to every client even though most of them offer gzip; small responses stay plain.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { createAccountedClient } from './accounting.ts';
import { VARIANTS, type Variant } from './index.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';
import { isMessageEvent, type WireWindow } from './wire/analyzer.ts';

const selected: Variant[] = process.env.WIREBENCH_VARIANTS
  ? (process.env.WIREBENCH_VARIANTS.split(',').map((v) => v.trim()) as Variant[])
  : [...VARIANTS];

/** The content codings the call's response messages carried (empty when plain). */
function encodingsOf(window: WireWindow): string[] {
  const found = new Set<string>();
  for (const e of window.events) {
    if (isMessageEvent(e) && e.dir === 'response' && e.encoding) found.add(e.encoding);
  }
  return [...found];
}

describe('response compression', () => {
  let plainServer: ServerProcess;
  let gzipServer: ServerProcess;

  before(async () => {
    [plainServer, gzipServer] = await Promise.all([
      startServerProcess({ scale: 'small' }),
      startServerProcess({ scale: 'small', compression: true }),
    ]);
  });
  after(async () => {
    await Promise.all([plainServer?.stop(), gzipServer?.stop()]);
  });

  for (const variant of selected) {
    it(`${variant}: a ListBooks page${variant === 'grpc' ? ' stays plain (grpc-js)' : ' is gzipped when the server compresses'}`, async () => {
      const page = async (server: ServerProcess) => {
        const accounted = await createAccountedClient(variant, server.endpoints, {
          compression: true,
        });
        try {
          return await accounted.measure((c) => c.listBooks({ pageSize: 20 }));
        } finally {
          await accounted.close();
        }
      };
      const plain = await page(plainServer);
      const gzip = await page(gzipServer);
      assert.deepEqual(gzip.result, plain.result, 'the same data either way');
      assert.deepEqual(encodingsOf(plain.window), [], 'no compression without --compression');
      assert.equal(gzip.wire.errors.length, 0);
      if (variant === 'grpc') {
        assert.deepEqual(encodingsOf(gzip.window), []);
        assert.equal(gzip.wire.response.body, plain.wire.response.body);
      } else {
        assert.deepEqual(encodingsOf(gzip.window), ['gzip']);
        assert.ok(
          gzip.wire.response.body < plain.wire.response.body / 2,
          `gzip body ${gzip.wire.response.body} B vs plain ${plain.wire.response.body} B`,
        );
      }
    });
  }

  it('leaves responses under 1 KiB plain, and SSE uncompressed', async () => {
    const small = await fetch(`${gzipServer.endpoints.http}/v1/authors/1`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    assert.equal(small.headers.get('content-encoding'), null);
    await small.arrayBuffer();

    const events = new AbortController();
    const sse = await fetch(`${gzipServer.endpoints.http}/v1/reviews/events`, {
      headers: { 'accept-encoding': 'gzip', accept: 'text/event-stream' },
      signal: events.signal,
    });
    assert.equal(sse.status, 200);
    assert.equal(sse.headers.get('content-encoding'), null);
    events.abort();
  });

  it('sends gzip only to clients that ask for it', async () => {
    const url = `${gzipServer.endpoints.http}/v1/books?page_size=20`;
    const { request } = await import('undici');
    const asked = await request(url, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(asked.headers['content-encoding'], 'gzip');
    const text = gunzipSync(Buffer.from(await asked.body.arrayBuffer())).toString('utf8');
    assert.equal((JSON.parse(text) as { books: unknown[] }).books.length, 20);
    const notAsked = await request(url);
    assert.equal(notAsked.headers['content-encoding'], undefined);
    await notAsked.body.arrayBuffer();
  });
});

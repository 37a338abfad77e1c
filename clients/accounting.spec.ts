// Accounting on every variant's real traffic: the layers add up exactly to the bytes the tap
// carried, for a unary read, a page, a streamed call, a live subscription and the naive nested
// read; connections, requests and streams are counted as the protocol dictates. (The parsers
// themselves are checked against curl and nghttp in wire/ground-truth.spec.ts.)

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type AccountedClient,
  type CallWire,
  createAccountedClient,
  MeasuredCallError,
  parseHostPort,
} from './accounting.ts';
import { ClientError, createClient, type LibraryClient, VARIANTS, type Variant } from './index.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';

const selected: Variant[] = process.env.WIREBENCH_VARIANTS
  ? (process.env.WIREBENCH_VARIANTS.split(',').map((v) => v.trim()) as Variant[])
  : [...VARIANTS];

const HTTP1_VARIANTS = new Set<Variant>([
  'rest',
  'graphql',
  'connect-json-h1',
  'connect-proto-h1',
  'grpc-web-h1',
]);

/** The invariant every measured call keeps. */
function assertExact(wire: CallWire, label: string): void {
  assert.deepEqual(wire.errors, [], label);
  assert.equal(wire.totals.unparsed, 0, `${label}: nothing left unparsed`);
  for (const dir of ['request', 'response'] as const) {
    const side = wire[dir];
    assert.equal(
      side.headers + side.trailers + side.framing + side.body + side.connection,
      side.total,
      `${label}: ${dir} layers add up to the raw bytes`,
    );
  }
  assert.equal(wire.totals.total, wire.request.total + wire.response.total);
}

describe('parseHostPort', () => {
  it('reads URLs, host:port and bracketed IPv6', () => {
    assert.deepEqual(parseHostPort('http://127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseHostPort('localhost:50051'), { host: 'localhost', port: 50051 });
    assert.deepEqual(parseHostPort('http://[::1]:81'), { host: '::1', port: 81 });
  });
});

describe('wire accounting of every client', () => {
  let server: ServerProcess;
  let plain: LibraryClient;
  let booksOfFirstTwoAuthors: number;

  before(async () => {
    server = await startServerProcess({ scale: 'small' });
    plain = createClient('rest', server.endpoints);
    const res = await fetch(
      `${server.endpoints.http}/v1/authors?page_size=2&include=books.reviews`,
    );
    const body = (await res.json()) as { authors: { books: unknown[] }[] };
    booksOfFirstTwoAuthors = body.authors.reduce((n, a) => n + a.books.length, 0);
  });

  after(async () => {
    await plain?.close();
    await server?.stop();
  });

  for (const variant of selected) {
    describe(variant, () => {
      let accounted: AccountedClient;
      const http1 = HTTP1_VARIANTS.has(variant);
      /** Requests (HTTP/1.1) or streams (HTTP/2), whichever the variant opens. */
      const exchanges = (wire: CallWire) => (http1 ? wire.httpRequests : wire.streams);

      before(async () => {
        // A short settle window charges the handshake's trailing control frames (a late
        // SETTINGS ACK) to the call that opened the connection, not to the next one.
        accounted = await createAccountedClient(variant, server.endpoints, { settleMs: 25 });
      });
      after(async () => {
        await accounted?.close();
      });

      it('accounts for GetBook exactly, cold then warm', async () => {
        const cold = await accounted.measure((c) => c.getBook(1));
        assert.equal(cold.result.id, 1);
        assertExact(cold.wire, 'cold');
        assert.equal(cold.wire.newConnection, true);
        assert.equal(cold.wire.connectionsOpened, 1);
        assert.equal(exchanges(cold.wire), 1);
        assert.equal(http1 ? cold.wire.streams : cold.wire.httpRequests, 0);
        assert.equal(cold.wire.messages.response, 1);
        // REST reads with a GET: no request body at all.
        assert.equal(cold.wire.messages.request, variant === 'rest' ? 0 : 1);
        assert.ok(cold.wire.response.body > 0);
        assert.equal(cold.codec.method, 'replayed');
        assert.equal(cold.codec.decoded, 1);

        const warm = await accounted.measure((c) => c.getBook(1));
        assertExact(warm.wire, 'warm');
        assert.equal(warm.wire.newConnection, false);
        assert.equal(
          warm.wire.request.connection,
          0,
          'no preface or SETTINGS on a reused connection',
        );
        assert.equal(warm.wire.response.body, cold.wire.response.body);
        if (http1) {
          assert.equal(cold.wire.request.connection + cold.wire.response.connection, 0);
        } else {
          assert.ok(cold.wire.request.connection >= 24 + 9, 'the preface and SETTINGS');
          // HPACK's dynamic table makes the second request's headers smaller.
          assert.ok(warm.wire.request.headers < cold.wire.request.headers);
          assert.equal(warm.wire.request.headersDecoded, cold.wire.request.headersDecoded);
        }
      });

      it('accounts for a ListBooks page', async () => {
        const page = await accounted.measure((c) => c.listBooks({ pageSize: 10 }));
        assert.equal(page.result.items.length, 10);
        assertExact(page.wire, 'ListBooks');
        assert.equal(exchanges(page.wire), 1);
      });

      it('accounts for the streamed export, or its refusal', async () => {
        try {
          const streamed = await accounted.measure(async (c) => {
            const chunks: number[] = [];
            for await (const chunk of c.streamCatalog()) chunks.push(chunk.length);
            return chunks;
          });
          assertExact(streamed.wire, 'StreamCatalog');
          assert.equal(
            streamed.result.reduce((a, b) => a + b, 0),
            200,
          );
          assert.ok(streamed.wire.messages.response >= 2, 'several messages');
          assert.ok(streamed.wire.response.framing > 0);
          assert.ok(streamed.codec.decoded >= streamed.wire.messages.response - 1);
        } catch (err) {
          assert.ok(err instanceof MeasuredCallError, String(err));
          assert.ok(err.cause instanceof ClientError && err.cause.code === 'unimplemented');
          assert.equal(variant, 'graphql');
        }
      });

      it('accounts for a live subscription, closed by the client', async () => {
        const watched = await accounted.measure(async (c) => {
          const subscription = c.watchReviews();
          await subscription.ready;
          const created = await plain.createReview({
            bookId: 2,
            reviewer: `accounting ${variant}`,
            rating: 4,
            body: 'seen on the wire',
          });
          for await (const review of subscription) {
            if (review.id === created.id) break;
          }
          subscription.cancel();
          return created.id;
        });
        assertExact(watched.wire, 'WatchReviews');
        assert.equal(watched.wire.unfinished, 0, 'the cancelled stream was seen to end');
        assert.ok(watched.wire.messages.response >= 1);
      });

      it('accounts for a chat session (WebSocket, bidi stream), where the variant has one', async (t) => {
        const bidi = accounted.client.capabilities.bidi;
        if (!bidi.supported) {
          t.skip(`n/a: ${bidi.reason}`);
          return;
        }
        const chatted = await accounted.measure(async (c) => {
          const session = c.chat(`accounting-${variant}`);
          await session.ready;
          await session.send('wire', 'hello over the wire');
          for await (const message of session.messages) {
            if (message.text === 'hello over the wire') break;
          }
          await session.close();
        });
        assertExact(chatted.wire, 'Chat');
        assert.ok(chatted.wire.messages.request >= 1);
        assert.ok(chatted.wire.messages.response >= 1);
        if (variant === 'rest') {
          const frames = chatted.window.events.filter((e) => e.kind === 'ws-frame');
          assert.ok(frames.some((f) => f.dir === 'request' && f.maskKey !== undefined));
          assert.ok(frames.every((f) => (f.dir === 'request') === (f.maskKey !== undefined)));
        }
      });

      it('counts every request of the naive nested read', async () => {
        const naive = await accounted.measure((c) => c.authorTree({ authors: 2 }, 'naive'));
        assert.equal(naive.result.length, 2);
        assertExact(naive.wire, 'naive tree');
        if (variant === 'graphql') {
          // One query; the N+1 happens inside the server (no DataLoader).
          assert.equal(naive.wire.httpRequests, 1);
        } else {
          // List the authors, then each author's books, then each book's reviews.
          assert.equal(exchanges(naive.wire), 1 + 2 + booksOfFirstTwoAuthors);
        }
        const batched = await accounted.measure((c) => c.authorTree({ authors: 2 }, 'batched'));
        assertExact(batched.wire, 'batched tree');
        assert.equal(exchanges(batched.wire), 1);
      });

      it('keeps the account of a failed call', async () => {
        try {
          await accounted.measure((c) => c.getBook(987_654));
          assert.fail('the call should fail');
        } catch (err) {
          assert.ok(err instanceof MeasuredCallError);
          assert.ok(err.cause instanceof ClientError);
          assert.equal(err.cause.code, 'not_found');
          assertExact(err.measurement.wire, 'not found');
          assert.ok(err.measurement.wire.response.total > 0);
        }
      });

      it('refuses to measure two calls at once', async () => {
        const first = accounted.measure((c) => c.getBook(3));
        await assert.rejects(
          accounted.measure((c) => c.getBook(4)),
          /one call at a time/,
        );
        await first;
      });
    });
  }
});

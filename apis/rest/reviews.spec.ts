import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LIMITS } from '../domain/index.ts';
import {
  fetchJson,
  jsonInit,
  type ProblemBody,
  type StartedServer,
  startTestServer,
} from './test-server.ts';
import type { WireReview } from './wire.ts';

const NDJSON = 'application/x-ndjson';

function ndjsonInit(body: string) {
  return { method: 'POST', headers: { 'content-type': NDJSON }, body };
}

function line(bookId: number, rating: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ book_id: bookId, reviewer: 'imp', rating, body: 'ok', ...extra });
}

/** Reads SSE frames off a fetch body; `next()` resolves with the next complete frame. */
function readFrames(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next(): Promise<string | undefined> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          return frame;
        }
        const { value, done } = await reader.read();
        if (done) return undefined;
        buffer += decoder.decode(value, { stream: true });
      }
    },
    /** The next frame that is an event (skipping comments such as keep-alives). */
    async nextEvent(): Promise<string | undefined> {
      for (;;) {
        const frame = await this.next();
        if (frame === undefined || !frame.startsWith(':')) return frame;
      }
    },
  };
}

function parseEvent(frame: string): { event?: string; id?: string; data?: string } {
  const out: Record<string, string> = {};
  for (const l of frame.split('\n')) {
    const i = l.indexOf(': ');
    if (i > 0) out[l.slice(0, i)] = l.slice(i + 2);
  }
  return out;
}

describe('creating and importing reviews', () => {
  let srv: StartedServer;
  before(async () => {
    srv = await startTestServer({ importLimitBytes: 256 * 1024 });
  });
  after(async () => {
    await srv.close();
  });

  test('POST /v1/books/{id}/reviews creates one review (201)', async () => {
    const res = await fetchJson(
      `${srv.base}/v1/books/7/reviews`,
      jsonInit('POST', { reviewer: 'ada', rating: 4, body: 'Sharp.' }),
    );
    assert.equal(res.status, 201);
    const review = res.body as WireReview;
    assert.deepEqual(
      { ...review, id: 0, created_at: '' },
      { id: 0, book_id: 7, reviewer: 'ada', rating: 4, body: 'Sharp.', created_at: '' },
    );
    assert.equal(srv.library.listBookReviews(7, 1)[0]?.id, review.id);
  });

  test('rating 0 is invalid_argument; an unknown book is not_found', async () => {
    const zero = await fetchJson(
      `${srv.base}/v1/books/7/reviews`,
      jsonInit('POST', { reviewer: 'ada', rating: 0 }),
    );
    assert.equal(zero.status, 400);
    assert.equal((zero.body as ProblemBody).code, 'invalid_argument');
    assert.deepEqual(
      (zero.body as ProblemBody).violations?.map((v) => v.field),
      ['rating'],
    );
    const unknown = await fetchJson(
      `${srv.base}/v1/books/99999/reviews`,
      jsonInit('POST', { reviewer: 'ada', rating: 3 }),
    );
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body as ProblemBody).code, 'not_found');
  });

  test('an import of good lines writes them all and says how many', async () => {
    const before = srv.library.countReviews();
    const body = `${[line(1, 5), line(2, 4), '', line(3, 1, { body: 'meh' })].join('\n')}\n`;
    const res = await fetchJson(`${srv.base}/v1/reviews/import`, ndjsonInit(body));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { imported: 3 });
    assert.equal(srv.library.countReviews(), before + 3);
    assert.equal(srv.library.listBookReviews(3, 1)[0]?.body, 'meh');
  });

  test('one malformed line in the middle: nothing is imported, the line is named', async () => {
    const before = srv.library.countReviews();
    const body = [line(1, 5), line(2, 4), '{"book_id": 3, "rating": ', line(4, 2)].join('\n');
    const res = await fetchJson(`${srv.base}/v1/reviews/import`, ndjsonInit(body));
    assert.equal(res.status, 400);
    const p = res.body as ProblemBody;
    assert.equal(p.code, 'invalid_argument');
    assert.equal(p.violations?.length, 1);
    assert.equal(p.violations?.[0]?.line, 3);
    assert.match(p.violations?.[0]?.description ?? '', /^malformed JSON/);
    assert.equal(srv.library.countReviews(), before);
  });

  test('every bad line is listed: types, unknown fields, domain rules, unknown books', async () => {
    const before = srv.library.countReviews();
    const body = [
      line(1, 5),
      line(2, 0),
      line(3, 3, { stars: 5 }),
      JSON.stringify({ book_id: '4', reviewer: 'x', rating: 2 }),
      '[1, 2]',
      line(99_999, 3),
      line(5, 5),
    ].join('\r\n');
    const res = await fetchJson(`${srv.base}/v1/reviews/import`, ndjsonInit(body));
    assert.equal(res.status, 400);
    const p = res.body as ProblemBody;
    assert.equal(p.code, 'invalid_argument');
    assert.deepEqual(
      p.violations?.map((v) => [v.line, v.field]),
      [
        [2, 'rating'],
        [3, 'stars'],
        [4, 'book_id'],
        [5, ''],
        [6, 'book_id'],
      ],
    );
    assert.equal(p.detail, '5 of 7 lines are invalid; nothing was imported');
    assert.equal(srv.library.countReviews(), before);
  });

  test('more lines than LIMITS.importMax is resource_exhausted (413), nothing written', async () => {
    const small = JSON.stringify({ book_id: 1, reviewer: 'r', rating: 1 });
    const body = `${Array.from({ length: LIMITS.importMax + 1 }, () => small).join('\n')}\n`;
    assert.ok(body.length < 1024 * 1024);
    const big = await startTestServer();
    try {
      const before = big.library.countReviews();
      const res = await fetchJson(`${big.base}/v1/reviews/import`, ndjsonInit(body));
      assert.equal(res.status, 413);
      assert.equal((res.body as ProblemBody).code, 'resource_exhausted');
      assert.equal(big.library.countReviews(), before);
    } finally {
      await big.close();
    }
  });

  test('a body over the byte limit is resource_exhausted (413), nothing written', async () => {
    const before = srv.library.countReviews();
    const lines = Array.from({ length: 200 }, (_, i) =>
      line((i % 100) + 1, 3, { body: 'b'.repeat(2000) }),
    );
    const res = await fetchJson(`${srv.base}/v1/reviews/import`, ndjsonInit(lines.join('\n')));
    assert.equal(res.status, 413);
    assert.equal((res.body as ProblemBody).code, 'resource_exhausted');
    assert.equal(srv.library.countReviews(), before);
  });

  test('an import in another media type is 415', async () => {
    const res = await fetchJson(
      `${srv.base}/v1/reviews/import`,
      jsonInit('POST', [{ book_id: 1, reviewer: 'a', rating: 3 }]),
    );
    assert.equal(res.status, 415);
    assert.equal((res.body as ProblemBody).code, 'invalid_argument');
  });
});

describe('watching new reviews over SSE', () => {
  let srv: StartedServer;
  const controllers: AbortController[] = [];
  before(async () => {
    srv = await startTestServer({ sseHeartbeatMs: 50 });
  });
  afterEach(() => {
    for (const c of controllers.splice(0)) c.abort();
  });
  after(async () => {
    await srv.close();
  });

  async function openStream(query = '') {
    const controller = new AbortController();
    controllers.push(controller);
    const res = await fetch(`${srv.base}/v1/reviews/events${query}`, {
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.ok(res.body);
    return { frames: readFrames(res.body), controller };
  }

  test('a review created after subscribing arrives as an event: review', async () => {
    const { frames } = await openStream();
    const created = await fetchJson(
      `${srv.base}/v1/books/11/reviews`,
      jsonInit('POST', { reviewer: 'sse', rating: 5, body: 'live' }),
    );
    const review = created.body as WireReview;
    const frame = await frames.nextEvent();
    assert.ok(frame);
    const event = parseEvent(frame);
    assert.equal(event.event, 'review');
    assert.equal(event.id, String(review.id));
    assert.deepEqual(JSON.parse(event.data ?? ''), review);
  });

  test('?book_id filters; imported reviews are delivered too', async () => {
    const { frames } = await openStream('?book_id=12');
    const body = [line(13, 1), line(12, 2), line(14, 3), line(12, 4)].join('\n');
    const res = await fetchJson(`${srv.base}/v1/reviews/import`, ndjsonInit(body));
    assert.equal(res.status, 200);
    const ratings: number[] = [];
    for (let i = 0; i < 2; i++) {
      const frame = await frames.nextEvent();
      assert.ok(frame);
      const review = JSON.parse(parseEvent(frame).data ?? '') as WireReview;
      assert.equal(review.book_id, 12);
      ratings.push(review.rating);
    }
    assert.deepEqual(ratings, [2, 4]);
  });

  test('keep-alive comments flow while nothing happens', async () => {
    const { frames } = await openStream();
    assert.equal(await frames.next(), ': subscribed');
    assert.equal(await frames.next(), ': keep-alive');
  });

  test('a client that disconnects releases its subscription', { timeout: 10_000 }, async () => {
    const events = srv.library.events;
    // Streams of the earlier tests were aborted by afterEach; the server lets go of them
    // as it notices.
    while (events.subscriberCount() !== 0) await sleep(10);
    const { controller } = await openStream();
    assert.equal(events.subscriberCount(), 1);
    controller.abort();
    while (events.subscriberCount() !== 0) await sleep(10);
    assert.equal(events.subscriberCount(), 0);
  });

  test('close() ends open streams cleanly', async () => {
    const other = await startTestServer();
    try {
      const res = await fetch(`${other.base}/v1/reviews/events`);
      assert.ok(res.body);
      const frames = readFrames(res.body);
      assert.equal(await frames.next(), ': subscribed');
      await other.api.close();
      assert.equal(await frames.next(), undefined);
      assert.equal(other.library.events.subscriberCount(), 0);
    } finally {
      await other.close();
    }
  });
});

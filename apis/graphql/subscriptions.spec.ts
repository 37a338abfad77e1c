import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openSse, startTestServer, type TestServer, waitFor } from './test-server.ts';

describe('GraphQL subscriptions over SSE', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test('reviewAdded delivers a new review, and aborting ends the server-side subscription', async () => {
    const events = server.library.events;
    assert.equal(events.subscriberCount(), 0);
    const stream = await openSse(
      server.url,
      'subscription($book: ID) { reviewAdded(bookId: $book) { id bookId reviewer rating } }',
      { book: '3' },
    );
    try {
      assert.equal(stream.response.status, 200);
      assert.equal(stream.response.headers.get('content-type'), 'text/event-stream');
      // yoga subscribes before it answers, so the subscriber exists once headers are in.
      assert.equal(events.subscriberCount(), 1);

      // A review of another book must not reach this subscriber.
      const other = await server.request(
        'mutation { createReview(input: { bookId: "4", reviewer: "other", rating: 2, body: "" }) { id } }',
      );
      assert.equal(other.errors, undefined);
      const mine = await server.request<{ createReview: { id: string } }>(
        'mutation { createReview(input: { bookId: "3", reviewer: "sam", rating: 5, body: "yes" }) { id } }',
      );
      const event = await stream.nextEvent();
      assert.equal(event.event, 'next');
      assert.deepEqual(JSON.parse(event.data), {
        data: {
          reviewAdded: {
            id: mine.data?.createReview.id,
            bookId: '3',
            reviewer: 'sam',
            rating: 5,
          },
        },
      });
    } finally {
      stream.abort();
    }
    await waitFor(() => events.subscriberCount() === 0);
  });

  test('chat delivers a posted message to the room, not to other rooms', async () => {
    const events = server.library.events;
    const stream = await openSse(
      server.url,
      'subscription { chat(room: "book-club") { room sender text sentAt } }',
    );
    try {
      assert.equal(events.subscriberCount(), 1);
      await server.request(
        'mutation { postChatMessage(room: "elsewhere", sender: "x", text: "not for you") { sentAt } }',
      );
      const posted = await server.request<{ postChatMessage: { sentAt: string } }>(
        'mutation { postChatMessage(room: "book-club", sender: "ana", text: "chapter 3?") { sentAt } }',
      );
      const event = await stream.nextEvent();
      assert.equal(event.event, 'next');
      assert.deepEqual(JSON.parse(event.data), {
        data: {
          chat: {
            room: 'book-club',
            sender: 'ana',
            text: 'chapter 3?',
            sentAt: posted.data?.postChatMessage.sentAt,
          },
        },
      });
    } finally {
      stream.abort();
    }
    await waitFor(() => events.subscriberCount() === 0);
  });

  test('importReviews feeds every imported review to reviewAdded', async () => {
    const stream = await openSse(server.url, 'subscription { reviewAdded { reviewer } }');
    try {
      await server.request(
        `mutation { importReviews(reviews: [
          { bookId: "1", reviewer: "i1", rating: 3, body: "" },
          { bookId: "2", reviewer: "i2", rating: 4, body: "" }
        ]) { importedCount } }`,
      );
      const reviewers = [];
      for (let i = 0; i < 2; i++) {
        reviewers.push(JSON.parse((await stream.nextEvent()).data).data.reviewAdded.reviewer);
      }
      assert.deepEqual(reviewers, ['i1', 'i2']);
    } finally {
      stream.abort();
    }
    await waitFor(() => server.library.events.subscriberCount() === 0);
  });

  test('subscribing to an unknown book answers NOT_FOUND and completes', async () => {
    const stream = await openSse(server.url, 'subscription { reviewAdded(bookId: "4040") { id } }');
    try {
      const first = await stream.nextEvent();
      assert.equal(first.event, 'next');
      const payload = JSON.parse(first.data) as { errors: { extensions: { code: string } }[] };
      assert.equal(payload.errors[0]?.extensions.code, 'NOT_FOUND');
      assert.equal((await stream.nextEvent()).event, 'complete');
      assert.equal(server.library.events.subscriberCount(), 0);
    } finally {
      stream.abort();
    }
  });

  test('a chat room name the domain refuses is INVALID_ARGUMENT', async () => {
    const stream = await openSse(server.url, 'subscription { chat(room: "No Spaces") { text } }');
    try {
      const payload = JSON.parse((await stream.nextEvent()).data) as {
        errors: { extensions: { code: string; fieldViolations: { field: string }[] } }[];
      };
      assert.equal(payload.errors[0]?.extensions.code, 'INVALID_ARGUMENT');
      assert.deepEqual(
        payload.errors[0]?.extensions.fieldViolations.map((v) => v.field),
        ['room'],
      );
    } finally {
      stream.abort();
    }
  });

  test('closing the library completes open streams', async () => {
    const own = await startTestServer();
    const stream = await openSse(own.url, 'subscription { chat(room: "closing") { text } }');
    try {
      own.library.events.close();
      assert.equal((await stream.nextEvent()).event, 'complete');
    } finally {
      stream.abort();
      await own.close();
    }
  });
});

// Faults and bad input over grpc-js, each with its canonical status code: unknown ids, invalid
// arguments with field details, size limits, deadlines, cancellation of server and client
// streams, all-or-nothing imports, unknown methods and malformed bytes.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { library as pb } from '../../schemas/gen/pbjs/library_pb.js';
import { type Book, LIMITS, Library } from '../domain/index.ts';
import {
  call,
  expectStatus,
  fieldViolationsOf,
  frame,
  type Harness,
  headersOf,
  rawCall,
  startHarness,
  waitFor,
} from './test-support.ts';

let h: Harness;

before(async () => {
  h = await startHarness();
});

after(async () => {
  await h.close();
});

/** Runs an ImportReviews call: writes the requests, then ends (or not), resolves its result. */
function importReviews(
  client: Harness['client'],
  requests: pb.v1.IImportReviewsRequest[],
  options: Partial<grpc.CallOptions> = {},
): Promise<pb.v1.ImportReviewsResponse> {
  return new Promise((resolve, reject) => {
    const up = client.importReviews(new grpc.Metadata(), options, (err, res) =>
      err ? reject(err) : resolve(res!),
    );
    for (const r of requests) up.write(r);
    up.end();
  });
}

describe('status codes', () => {
  test('an unknown id is NOT_FOUND', async () => {
    const err = await expectStatus(
      call(h.client, h.client.getBook, { id: 987_654 }),
      grpc.status.NOT_FOUND,
    );
    assert.equal(err.details, 'book 987654 not found');
    await expectStatus(
      call(h.client, h.client.listAuthorBooks, { authorId: 987_654 }),
      grpc.status.NOT_FOUND,
    );
    await expectStatus(call(h.client, h.client.deleteBook, { id: 987_654 }), grpc.status.NOT_FOUND);
  });

  test('invalid arguments are INVALID_ARGUMENT with google.rpc.BadRequest field details', async () => {
    const err = await expectStatus(
      call(h.client, h.client.createBook, {
        book: {
          authorId: 1,
          title: 'ok',
          isbn: '9780306406158',
          genre: pb.v1.Genre.GENRE_FICTION,
          pages: 10,
          priceCents: -5,
          publishedAt: { seconds: 1 },
        },
      }),
      grpc.status.INVALID_ARGUMENT,
    );
    assert.deepEqual(fieldViolationsOf(err), [
      {
        field: 'book.isbn',
        description: 'must be a valid ISBN-13 (13 digits, correct check digit)',
      },
      { field: 'book.price_cents', description: 'must be between 0 and 100000000' },
    ]);
    assert.match(err.details, /book\.isbn: .*; book\.price_cents: must be between 0 and 100000000/);
  });

  test('request fields are named as in the proto: page_size, page_token, update_mask', async () => {
    const pageSize = await expectStatus(
      call(h.client, h.client.listBooks, { pageSize: 101 }),
      grpc.status.INVALID_ARGUMENT,
    );
    assert.deepEqual(fieldViolationsOf(pageSize), [
      { field: 'page_size', description: 'must be between 1 and 100' },
    ]);
    const token = await expectStatus(
      call(h.client, h.client.listAuthors, { pageToken: 'garbage' }),
      grpc.status.INVALID_ARGUMENT,
    );
    assert.deepEqual(
      fieldViolationsOf(token).map((v) => v.field),
      ['page_token'],
    );
    const mask = await expectStatus(
      call(h.client, h.client.updateBook, {
        book: { id: 1 },
        updateMask: { paths: ['id', 'colour'] },
      }),
      grpc.status.INVALID_ARGUMENT,
    );
    assert.deepEqual(fieldViolationsOf(mask), [
      { field: 'update_mask', description: 'id cannot be updated' },
      { field: 'update_mask', description: 'unknown field "colour" of Book' },
    ]);
    const genre = await expectStatus(
      call(h.client, h.client.listBooks, { genre: 42 }),
      grpc.status.INVALID_ARGUMENT,
    );
    assert.deepEqual(
      fieldViolationsOf(genre).map((v) => v.field),
      ['genre'],
    );
    const chunk = await new Promise<grpc.ServiceError>((resolve) =>
      h.client.streamCatalog({ chunkSize: CHUNK_TOO_BIG }).on('error', resolve),
    );
    assert.equal(chunk.code, grpc.status.INVALID_ARGUMENT);
    assert.deepEqual(
      fieldViolationsOf(chunk).map((v) => v.field),
      ['chunk_size'],
    );
  });

  test('CreateReview: an unknown book is NOT_FOUND, bad fields INVALID_ARGUMENT on review.*', async () => {
    const before = h.library.countReviews();
    const review = { bookId: 1, reviewer: 'ana', rating: 3, body: '' };
    const missing = await expectStatus(
      call(h.client, h.client.createReview, { review: { ...review, bookId: 987_654 } }),
      grpc.status.NOT_FOUND,
    );
    assert.equal(missing.details, 'book 987654 not found');
    const rating = await expectStatus(
      call(h.client, h.client.createReview, { review: { ...review, rating: 6 } }),
      grpc.status.INVALID_ARGUMENT,
    );
    assert.deepEqual(fieldViolationsOf(rating), [
      { field: 'review.rating', description: 'must be between 1 and 5' },
    ]);
    const both = await expectStatus(
      call(h.client, h.client.createReview, { review: { ...review, reviewer: '', rating: 0 } }),
      grpc.status.INVALID_ARGUMENT,
    );
    assert.deepEqual(
      fieldViolationsOf(both).map((v) => v.field),
      ['review.reviewer', 'review.rating'],
    );
    const absent = await expectStatus(
      call(h.client, h.client.createReview, {}),
      grpc.status.INVALID_ARGUMENT,
    );
    assert.deepEqual(fieldViolationsOf(absent), [{ field: 'review', description: 'is required' }]);
    assert.equal(h.library.countReviews(), before);
  });

  test('a duplicate ISBN is ALREADY_EXISTS', async () => {
    const existing = h.library.getBook(1);
    const err = await expectStatus(
      call(h.client, h.client.updateBook, {
        book: { id: 2, isbn: existing.isbn },
        updateMask: { paths: ['isbn'] },
      }),
      grpc.status.ALREADY_EXISTS,
    );
    assert.deepEqual(fieldViolationsOf(err), []);
  });

  test('an unknown method is UNIMPLEMENTED', async () => {
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      h.client.makeUnaryRequest(
        '/library.v1.LibraryService/RenameAuthor',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        (e) => resolve(e!),
      );
    });
    assert.equal(err.code, grpc.status.UNIMPLEMENTED);
  });

  test('malformed protobuf bytes are INTERNAL, as grpc-js (and grpc-go) answer a parse failure', async () => {
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      h.client.makeUnaryRequest(
        '/library.v1.LibraryService/GetBook',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from([0x08]), // field 1 varint, then the bytes end
        (e) => resolve(e!),
      );
    });
    assert.equal(err.code, grpc.status.INTERNAL);
  });

  test('a request that is not application/grpc is refused with HTTP 415', async () => {
    const res = await rawCall(
      h.address,
      '/library.v1.LibraryService/GetBook',
      Buffer.from('{"id":1}'),
      {
        headers: { 'content-type': 'application/json' },
      },
    );
    assert.equal(res.headers[':status'], 415);
  });
});

const CHUNK_TOO_BIG = 1_001;

describe('limits', () => {
  test('a request over the receive limit is RESOURCE_EXHAUSTED', async () => {
    const err = await expectStatus(
      call(h.client, h.client.createBook, {
        book: { title: 't', description: 'x'.repeat(1024 * 1024) },
      }),
      grpc.status.RESOURCE_EXHAUSTED,
    );
    assert.match(err.details, /larger than max/);
  });

  test('a response over the send limit is RESOURCE_EXHAUSTED; the stream still works', async () => {
    const small = await startHarness({
      library: h.library,
      server: { maxSendMessageBytes: 100_000 },
    });
    try {
      await expectStatus(
        call(small.client, small.client.exportCatalog, {}),
        grpc.status.RESOURCE_EXHAUSTED,
      );
      const books = await new Promise<number>((resolve, reject) => {
        let n = 0;
        const s = small.client.streamCatalog({ chunkSize: 50 });
        s.on('data', (m: pb.v1.StreamCatalogResponse) => {
          n += m.books.length;
        });
        s.on('end', () => resolve(n));
        s.on('error', reject);
      });
      assert.equal(books, h.library.exportCatalog().length);
    } finally {
      await small.close();
    }
  });

  test('an import of more than LIMITS.importMax reviews is RESOURCE_EXHAUSTED, nothing written', async () => {
    const before = h.library.countReviews();
    const requests = Array.from({ length: LIMITS.importMax + 1 }, (_, i) => ({
      review: { bookId: 1, reviewer: `r${i}`, rating: 3 },
    }));
    await expectStatus(importReviews(h.client, requests), grpc.status.RESOURCE_EXHAUSTED);
    assert.equal(h.library.countReviews(), before);
  });
});

describe('all-or-nothing import', () => {
  test('one bad message: INVALID_ARGUMENT naming it, and nothing is imported', async () => {
    const before = h.library.countReviews();
    const err = await expectStatus(
      importReviews(h.client, [
        { review: { bookId: 1, reviewer: 'a', rating: 5 } },
        { review: { bookId: 2, reviewer: 'b', rating: 9 } },
        { review: { bookId: 3, reviewer: 'c', rating: 1 } },
      ]),
      grpc.status.INVALID_ARGUMENT,
    );
    assert.deepEqual(fieldViolationsOf(err), [
      { field: 'reviews[1].rating', description: 'must be between 1 and 5' },
    ]);
    assert.equal(h.library.countReviews(), before);
  });

  test('a review of an unknown book: INVALID_ARGUMENT on its book_id, nothing imported', async () => {
    const before = h.library.countReviews();
    const err = await expectStatus(
      importReviews(h.client, [
        { review: { bookId: 1, reviewer: 'a', rating: 5 } },
        { review: { bookId: 424_242, reviewer: 'b', rating: 4 } },
      ]),
      grpc.status.INVALID_ARGUMENT,
    );
    assert.deepEqual(
      fieldViolationsOf(err).map((v) => v.field),
      ['reviews[1].book_id'],
    );
    assert.equal(h.library.countReviews(), before);
  });

  test('field details are capped so that the trailer stays small', async () => {
    const err = await expectStatus(
      importReviews(
        h.client,
        Array.from({ length: 500 }, () => ({ review: { bookId: 1, reviewer: '', rating: 0 } })),
      ),
      grpc.status.INVALID_ARGUMENT,
    );
    assert.equal(fieldViolationsOf(err).length, 20);
    assert.match(err.details, /; and 980 more$/);
  });
});

describe('deadlines and cancellation', () => {
  test('a server stream past its deadline is DEADLINE_EXCEEDED and its subscription ends', async () => {
    const stream = h.client.watchReviews({}, { deadline: Date.now() + 300 });
    const err = await new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    assert.equal(err.code, grpc.status.DEADLINE_EXCEEDED);
    await waitFor(() => h.server.activeStreams() === 0, 'the watch to stop');
    assert.equal(h.library.events.subscriberCount(), 0);
  });

  test('a client stream past its deadline is DEADLINE_EXCEEDED and imports nothing', async () => {
    // Over raw HTTP/2: the client never half-closes and has no timer of its own, so it is the
    // server that enforces the grpc-timeout it was sent.
    const before = h.library.countReviews();
    const review = pb.v1.ImportReviewsRequest.encode({
      review: { bookId: 1, reviewer: 'late', rating: 2 },
    }).finish();
    const res = await rawCall(
      h.address,
      '/library.v1.LibraryService/ImportReviews',
      frame(review),
      {
        headers: { 'grpc-timeout': '300m' },
        halfClose: false,
      },
    );
    assert.equal(
      res.trailers['grpc-status'] ?? res.headers['grpc-status'],
      String(grpc.status.DEADLINE_EXCEEDED),
    );
    await waitFor(() => h.server.activeStreams() === 0, 'the import to stop');
    assert.equal(h.library.countReviews(), before);
  });

  test('cancelling an import mid-stream imports nothing and stops the handler', async () => {
    const before = h.library.countReviews();
    const body = 'b'.repeat(2000);
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      const up = h.client.importReviews((e) => resolve(e!));
      let sent = 0;
      const pump = () => {
        for (;;) {
          sent++;
          const more = up.write({ review: { bookId: 1, reviewer: `c${sent}`, rating: 2, body } });
          if (!more) {
            // Cancel while messages are still queued: a real mid-stream cancel. (Cancelling
            // with nothing queued, node's http2 sends END_STREAM before RST_STREAM, which
            // the server cannot tell from a completed upload.)
            if (sent >= 300) up.cancel();
            else up.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
    assert.equal(err.code, grpc.status.CANCELLED);
    await waitFor(() => h.server.activeStreams() === 0, 'the import to stop');
    assert.equal(h.library.countReviews(), before);
  });

  test('cancelling a chat ends its room subscription', async () => {
    const chat = h.client.chat();
    const ended = new Promise<grpc.ServiceError>((resolve) => chat.on('error', resolve));
    chat.write({ room: 'quiet', sender: 'x' });
    await headersOf(chat);
    assert.equal(h.library.events.subscriberCount(), 1);
    chat.cancel();
    assert.equal((await ended).code, grpc.status.CANCELLED);
    await waitFor(() => h.library.events.subscriberCount() === 0, 'the chat to unsubscribe');
    await waitFor(() => h.server.activeStreams() === 0, 'the chat to stop');
  });

  test('a chat naming another room mid-call is INVALID_ARGUMENT', async () => {
    const chat = h.client.chat();
    const ended = new Promise<grpc.ServiceError>((resolve) => chat.on('error', resolve));
    chat.on('data', () => {});
    chat.write({ room: 'one', sender: 'x', text: 'hi' });
    chat.write({ room: 'two', sender: 'x', text: 'hi' });
    const err = await ended;
    assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
    assert.deepEqual(
      fieldViolationsOf(err).map((v) => v.field),
      ['room'],
    );
    await waitFor(() => h.server.activeStreams() === 0, 'the chat to stop');
  });
});

describe('backpressure and cancellation of the catalog stream', () => {
  let big: Harness;
  let library: Library;
  let iterated = 0;

  before(async () => {
    // The default scale (2,000 books, ~2.3 MB) is far more than HTTP/2 flow-control windows
    // and stream buffers hold, so a client that stops reading must stop the server.
    library = Library.open({ scale: 'default' });
    const counting = Object.create(library) as Library;
    counting.iterateCatalog = function* (): IterableIterator<Book> {
      for (const book of library.iterateCatalog()) {
        iterated++;
        yield book;
      }
    };
    big = await startHarness({ library: counting });
  });

  after(async () => {
    await big.close();
    library.close();
  });

  /** Waits until `iterated` stops moving (the server is blocked), returns where it stopped. */
  async function settle(): Promise<number> {
    let last = -1;
    let still = 0;
    await waitFor(() => {
      still = iterated === last ? still + 1 : 0;
      last = iterated;
      return still >= 10;
    }, 'the catalog stream to settle');
    return iterated;
  }

  test('a paused client holds the server back; resumed, it receives the whole catalog', async () => {
    iterated = 0;
    const total = big.library.exportCatalog().length;
    const stream = big.client.streamCatalog({ chunkSize: 1 });
    let received = 0;
    const done = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    stream.on('data', () => {
      received++;
      if (received === 1) stream.pause();
    });
    const stalled = await settle();
    assert.ok(stalled < total, `server read ${stalled} of ${total} books for a paused client`);
    stream.resume();
    await done;
    assert.equal(received, total);
    assert.equal(iterated, total);
  });

  test('cancelling mid-stream stops the server iterating', async () => {
    iterated = 0;
    const total = big.library.exportCatalog().length;
    const stream = big.client.streamCatalog({ chunkSize: 1 });
    const ended = new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    let received = 0;
    stream.on('data', () => {
      received++;
      if (received === 3) {
        stream.pause();
        stream.cancel();
      }
    });
    assert.equal((await ended).code, grpc.status.CANCELLED);
    await waitFor(() => big.server.activeStreams() === 0, 'the catalog stream to stop');
    const stopped = iterated;
    assert.ok(stopped < total, `server read ${stopped} of ${total} books after a cancel`);
    await settle();
    assert.equal(iterated, stopped);
  });
});

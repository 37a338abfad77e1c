// Faults and bad input through real clients and raw HTTP: each gets its canonical code, and
// cancelled or failed calls leave nothing behind (no subscriber, no half-written import).

import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import {
  compressionGzip,
  createConnectTransport,
  createGrpcTransport,
  Http2SessionManager,
} from '@connectrpc/connect-node';
import { pino } from 'pino';
import { BadRequestSchema } from '../../schemas/gen/es/google/rpc/error_details_pb.ts';
import {
  Genre,
  GetBookRequestSchema,
  LibraryService,
} from '../../schemas/gen/es/library/v1/library_pb.ts';
import { LIMITS, Library } from '../domain/index.ts';
import { CONNECT_LIMITS } from './index.ts';
import {
  createCallRecorder,
  createVariant,
  createVariants,
  startServers,
  type Variant,
  waitFor,
} from './test-support.ts';

const library = Library.open({ scale: 'small' });
const recorder = createCallRecorder();
const servers = await startServers(library, { interceptors: [recorder.interceptor] });
const { variants, close: closeVariants } = createVariants(servers);

after(async () => {
  closeVariants();
  await servers.close();
  library.close();
});

async function errorOf(call: Promise<unknown> | AsyncIterable<unknown>): Promise<ConnectError> {
  try {
    if (Symbol.asyncIterator in call) {
      for await (const _ of call) {
        // drain
      }
    } else {
      await call;
    }
  } catch (err) {
    return ConnectError.from(err);
  }
  assert.fail('the call succeeded but should have failed');
}

function violations(err: ConnectError): [string, string][] {
  return err
    .findDetails(BadRequestSchema)
    .flatMap((d) => d.fieldViolations.map((v): [string, string] => [v.field, v.description]));
}

async function* fromArray<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

/** The server's record of the call a test made after `index` calls, once the server is done. */
async function endedCall(index: number, method: string) {
  await waitFor(() => recorder.calls[index]?.outcome !== undefined, `the server to end ${method}`);
  const call = recorder.calls[index];
  assert.equal(call?.method, method);
  return call;
}

const validBook = {
  authorId: 1,
  title: 'Valid',
  isbn: '9780306406157',
  genre: Genre.POETRY,
  tags: [],
  priceCents: 100,
  pages: 10,
  publishedAt: { seconds: 1_600_000_000n, nanos: 0 },
  description: '',
};

function describeFaults(v: Variant) {
  const { client } = v;

  test('an unknown id is NOT_FOUND', async () => {
    const err = await errorOf(client.getBook({ id: 99_999 }));
    assert.equal(err.code, Code.NotFound);
    assert.equal(err.rawMessage, 'book 99999 not found');
    assert.equal((await errorOf(client.listAuthorBooks({ authorId: 9_999 }))).code, Code.NotFound);
    assert.equal((await errorOf(client.listBookReviews({ bookId: 99_999 }))).code, Code.NotFound);
    assert.equal((await errorOf(client.deleteBook({ id: 99_999 }))).code, Code.NotFound);
  });

  test('invalid input is INVALID_ARGUMENT with BadRequest field violations (proto paths)', async () => {
    const bad = await errorOf(
      client.createBook({ book: { ...validBook, title: '', isbn: '123', priceCents: -5 } }),
    );
    assert.equal(bad.code, Code.InvalidArgument);
    assert.deepEqual(
      violations(bad).map(([field]) => field),
      ['book.title', 'book.isbn', 'book.price_cents'],
    );
    const noGenre = await errorOf(client.createBook({ book: { ...validBook, genre: 0 } }));
    assert.deepEqual(violations(noGenre)[0]?.[0], 'book.genre');

    const page = await errorOf(client.listBooks({ pageSize: 500, pageToken: 'garbage' }));
    assert.equal(page.code, Code.InvalidArgument);
    assert.deepEqual(
      violations(page).map(([field]) => field),
      ['page_size'],
    );
    const token = await errorOf(client.listAuthors({ pageToken: 'garbage' }));
    assert.deepEqual(violations(token), [['page_token', 'is not a cursor this server issued']]);

    const mask = await errorOf(
      client.updateBook({ book: { id: 1, title: 'x' }, updateMask: { paths: ['id', 'nope'] } }),
    );
    assert.deepEqual(violations(mask), [
      ['update_mask', 'id cannot be updated'],
      ['update_mask', '"nope" is not a mutable field of Book'],
    ]);
    const clear = await errorOf(
      client.updateBook({ book: { id: 1 }, updateMask: { paths: ['title'] } }),
    );
    assert.deepEqual(violations(clear), [['book.title', 'must not be empty']]);

    const chunk = await errorOf(client.streamCatalog({ chunkSize: 5_000 }));
    assert.deepEqual(violations(chunk), [['chunk_size', 'must be between 1 and 1000']]);
    const tree = await errorOf(client.getAuthorTree({ reviewsPerBook: 99 }));
    assert.deepEqual(violations(tree), [['reviews_per_book', 'must be between 1 and 20']]);
  });

  test('CreateReview: an unknown book is NOT_FOUND, bad fields INVALID_ARGUMENT on review.*', async () => {
    const before = library.countReviews();
    const review = { bookId: 1, reviewer: 'ana', rating: 3, body: '' };
    const missing = await errorOf(client.createReview({ review: { ...review, bookId: 99_999 } }));
    assert.equal(missing.code, Code.NotFound);
    assert.equal(missing.rawMessage, 'book 99999 not found');
    const rating = await errorOf(client.createReview({ review: { ...review, rating: 6 } }));
    assert.equal(rating.code, Code.InvalidArgument);
    assert.deepEqual(violations(rating), [['review.rating', 'must be between 1 and 5']]);
    const both = await errorOf(
      client.createReview({ review: { ...review, reviewer: '', rating: 0 } }),
    );
    assert.deepEqual(
      violations(both).map(([field]) => field),
      ['review.reviewer', 'review.rating'],
    );
    const absent = await errorOf(client.createReview({}));
    assert.deepEqual(violations(absent), [['review', 'is required']]);
    assert.equal(library.countReviews(), before);
  });

  test('an import stream with one bad message imports nothing', async () => {
    const before = library.countReviews();
    const err = await errorOf(
      client.importReviews(
        fromArray([
          { review: { bookId: 1, reviewer: 'a', rating: 5, body: 'fine' } },
          { review: { bookId: 1, reviewer: 'b', rating: 9, body: 'bad rating' } },
          { review: { bookId: 99_999, reviewer: 'c', rating: 3, body: 'no such book' } },
          {},
        ]),
      ),
    );
    assert.equal(err.code, Code.InvalidArgument);
    assert.deepEqual(
      violations(err).map(([field]) => field),
      [
        'reviews[1].rating',
        'reviews[3].book_id',
        'reviews[3].reviewer',
        'reviews[3].rating',
        'reviews[3].body',
      ],
    );
    const unknownBook = await errorOf(
      client.importReviews(
        fromArray([{ review: { bookId: 99_999, reviewer: 'c', rating: 3, body: '' } }]),
      ),
    );
    assert.deepEqual(violations(unknownBook), [
      ['reviews[0].book_id', 'book 99999 does not exist'],
    ]);
    assert.equal(library.countReviews(), before);
  });

  test('a request message over readMaxBytes is RESOURCE_EXHAUSTED', async () => {
    const description = 'x'.repeat(CONNECT_LIMITS.readMaxBytes + 1);
    const err = await errorOf(client.createBook({ book: { ...validBook, description } }));
    assert.equal(err.code, Code.ResourceExhausted);
  });

  test('a deadline on WatchReviews ends it with DEADLINE_EXCEEDED and frees the subscriber', async () => {
    const index = recorder.calls.length;
    const err = await errorOf(client.watchReviews({}, { timeoutMs: 200 }));
    assert.equal(err.code, Code.DeadlineExceeded);
    // The client enforces its own deadline too and which side ends first is a race, so the
    // server's own enforcement is proven by the raw-HTTP deadline tests of http.spec.ts.
    await endedCall(index, 'WatchReviews');
    await waitFor(() => library.events.subscriberCount() === 0, 'the subscriber to end');
  });

  test('cancelling mid server stream stops the server', async () => {
    const index = recorder.calls.length;
    const abort = new AbortController();
    const stream = client.streamCatalog({ chunkSize: 1 }, { signal: abort.signal });
    let seen = 0;
    const err = await errorOf(
      (async function* () {
        for await (const chunk of stream) {
          seen += chunk.books.length;
          if (seen === 3) abort.abort();
          yield chunk;
        }
      })(),
    );
    assert.equal(err.code, Code.Canceled);
    // A chunk already on its way may still be delivered after the abort.
    assert.ok(seen >= 3 && seen < library.exportCatalog().length, `saw ${seen} books`);
    const call = await endedCall(index, 'StreamCatalog');
    // How connect-node stops the iteration differs by protocol; it is never a normal end.
    assert.notEqual(call?.outcome, 'ok');
    const sent = call?.sent;
    const queries = library.store.queryCount;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(call?.sent, sent, 'no chunk is produced after the stop');
    assert.equal(library.store.queryCount, queries, 'no query runs after the stop');
  });

  test('cancelling mid client stream imports nothing', async () => {
    // Over HTTP/2 the AbortSignal is not used: node's http2 client cancels with
    // stream.close(CANCEL), which half-closes (END_STREAM) before it resets, so the server sees
    // a complete request first (see service.ts, settle()). Dropping the connection cancels
    // without a half-close. Over HTTP/1.1 the signal destroys the socket.
    const own = createVariant(servers, v.protocol, v.httpVersion);
    const abort = new AbortController();
    const before = library.countReviews();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* twoThenWait() {
      yield { review: { bookId: 2, reviewer: 'x', rating: 1, body: '' } };
      yield { review: { bookId: 2, reviewer: 'y', rating: 2, body: '' } };
      await held;
      yield { review: { bookId: 2, reviewer: 'z', rating: 3, body: '' } };
    }
    const index = recorder.calls.length;
    const result = own.client.importReviews(twoThenWait(), { signal: abort.signal });
    result.catch(() => {});
    try {
      await waitFor(
        () => recorder.calls[index]?.received === 2,
        'the server to receive two reviews',
      );
      if (own.session) own.session.abort();
      else abort.abort();
      release();
      const err = await errorOf(result);
      assert.equal(err.code, Code.Canceled);
      const call = await endedCall(index, 'ImportReviews');
      // HTTP/2: the reset stream (CANCEL); HTTP/1.1: node reports ECONNRESET (ABORTED).
      assert.equal(call?.outcome, own.session ? Code.Canceled : Code.Aborted);
      assert.equal(library.countReviews(), before);
    } finally {
      own.session?.abort();
    }
  });

  if (v.httpVersion === '2') {
    test('Chat refuses a bad room and a change of room', async () => {
      const badRoom = await errorOf(client.chat(fromArray([{ room: 'Bad Room', sender: 'a' }])));
      assert.deepEqual(violations(badRoom), [
        ['room', 'must be lowercase letters, digits, - or _'],
      ]);
      const moved = await errorOf(
        client.chat(
          fromArray([
            { room: 'one', sender: 'a', text: 'hi' },
            { room: 'two', sender: 'a', text: 'moved' },
          ]),
        ),
      );
      assert.deepEqual(violations(moved), [
        ['room', 'must be "one", the room of the first request'],
      ]);
      const empty = await errorOf(
        client.chat(fromArray([{ room: 'one', sender: '', text: 'anonymous' }])),
      );
      assert.deepEqual(violations(empty), [['sender', 'must not be empty']]);
      await waitFor(() => library.events.subscriberCount() === 0, 'chat subscribers to end');
    });
  }
}

for (const v of variants) {
  describe(`${v.name}: faults`, () => describeFaults(v));
}

describe('limits', () => {
  test('gzip is accepted, and readMaxBytes applies to the decompressed message', async () => {
    const session = new Http2SessionManager(servers.h2Url);
    try {
      const transport = createConnectTransport({
        baseUrl: servers.h2Url,
        httpVersion: '2',
        sessionManager: session,
        sendCompression: compressionGzip,
        useBinaryFormat: true,
      });
      const client = createClient(LibraryService, transport);
      const created = await client.createBook({
        book: { ...validBook, isbn: '9781861972712', description: 'y'.repeat(5_000) },
      });
      assert.equal(created.book?.description.length, 5_000);
      await client.deleteBook({ id: created.book?.id ?? 0 });
      // 2 MiB of one letter gzips to a few KB: the limit must still see 2 MiB.
      const err = await errorOf(
        client.createBook({ book: { ...validBook, description: 'z'.repeat(2 * 1024 * 1024) } }),
      );
      assert.equal(err.code, Code.ResourceExhausted);
    } finally {
      session.abort();
    }
  });

  test('after gRPC-Web refuses a message mid-body, the HTTP/1.1 connection is not left stuck', async () => {
    const { client } = createVariant(servers, 'grpc-web', '1.1');
    const description = 'x'.repeat(CONNECT_LIMITS.readMaxBytes + 1);
    for (let i = 0; i < 3; i++) {
      const err = await errorOf(client.createBook({ book: { ...validBook, description } }));
      assert.equal(err.code, Code.ResourceExhausted);
      const { book } = await client.getBook({ id: 1 }, { timeoutMs: 5_000 });
      assert.equal(book?.id, 1);
    }
  });

  test('an import past LIMITS.importMax reviews is RESOURCE_EXHAUSTED and imports nothing', async () => {
    const grpc = variants.find((x) => x.protocol === 'grpc');
    assert.ok(grpc);
    const before = library.countReviews();
    let sent = 0;
    async function* tooMany() {
      for (; sent <= LIMITS.importMax + 100; sent++) {
        yield { review: { bookId: 3, reviewer: 'bulk', rating: 3, body: '' } };
      }
    }
    const err = await errorOf(grpc.client.importReviews(tooMany()));
    assert.equal(err.code, Code.ResourceExhausted);
    assert.equal(err.rawMessage, `an import may hold at most ${LIMITS.importMax} reviews`);
    assert.equal(library.countReviews(), before);
  });

  test('a response over writeMaxBytes is RESOURCE_EXHAUSTED, the stream still works', async () => {
    const small = await startServers(library, { writeMaxBytes: 100_000 });
    const session = new Http2SessionManager(small.h2Url);
    try {
      const client = createClient(
        LibraryService,
        createGrpcTransport({ baseUrl: small.h2Url, sessionManager: session }),
      );
      const err = await errorOf(client.exportCatalog({}));
      assert.equal(err.code, Code.ResourceExhausted);
      let books = 0;
      for await (const chunk of client.streamCatalog({ chunkSize: 10 }))
        books += chunk.books.length;
      assert.equal(books, library.exportCatalog().length);
    } finally {
      session.abort();
      await small.close();
    }
  });

  test('the HTTP/2 server advertises maxConcurrentStreams', async () => {
    const session = http2.connect(servers.h2Url);
    try {
      const settings = await new Promise<http2.Settings>((resolve) =>
        session.once('remoteSettings', resolve),
      );
      assert.equal(settings.maxConcurrentStreams, CONNECT_LIMITS.maxConcurrentStreams);
    } finally {
      session.close();
    }
  });
});

describe('unknown methods', () => {
  const ghost = { ...LibraryService.method.getBook, name: 'NoSuchMethod' };
  for (const v of variants) {
    test(`${v.name}: an unknown method is UNIMPLEMENTED`, async () => {
      const err = await errorOf(
        v.transport.unary(
          ghost,
          undefined,
          undefined,
          undefined,
          create(GetBookRequestSchema, { id: 1 }),
          undefined,
        ),
      );
      assert.equal(err.code, Code.Unimplemented);
    });
  }
});

describe('unexpected failures', () => {
  test('an unknown error is INTERNAL with a masked message, logged in full on the server', async () => {
    const broken = Library.open({ scale: 'small' });
    const lines: string[] = [];
    const logger = pino(
      { level: 'error' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const own = await startServers(broken, { logger });
    const { client, session } = createVariant(own, 'grpc', '2');
    try {
      broken.store.close();
      const err = await errorOf(client.getBook({ id: 1 }));
      assert.equal(err.code, Code.Internal);
      assert.equal(err.rawMessage, 'internal error');
      assert.equal(lines.length, 1);
      const entry = JSON.parse(lines[0] ?? '{}');
      assert.equal(entry.rpc, 'GetBook');
      assert.match(entry.err.message, /database connection is not open/);
    } finally {
      session?.abort();
      await own.close();
      broken.close();
    }
  });
});

describe('shutdown', () => {
  test('closing the HTTP/1.1 handler ends a running stream with UNAVAILABLE', async () => {
    const own = await startServers(library);
    const { client } = createVariant(own, 'connect-json', '1.1');
    try {
      const stream = client.watchReviews({})[Symbol.asyncIterator]();
      const first = stream.next();
      first.catch(() => {});
      await waitFor(() => library.events.subscriberCount() === 1, 'the subscriber');
      own.h1Handler.close();
      const err = await errorOf(
        (async function* () {
          yield await first;
        })(),
      );
      assert.equal(err.code, Code.Unavailable);
      assert.equal(err.rawMessage, 'the server is shutting down');
      await waitFor(() => library.events.subscriberCount() === 0, 'the subscriber to end');
      const refused = await errorOf(client.getBook({ id: 1 }));
      assert.equal(refused.code, Code.Unavailable);
    } finally {
      await own.close();
    }
  });

  test('closing the HTTP/2 server ends a running stream with UNAVAILABLE', async () => {
    const own = await startServers(library);
    const session = new Http2SessionManager(own.h2Url);
    try {
      const client = createClient(
        LibraryService,
        createGrpcTransport({ baseUrl: own.h2Url, sessionManager: session }),
      );
      const stream = client.watchReviews({})[Symbol.asyncIterator]();
      const first = stream.next();
      first.catch(() => {});
      await waitFor(() => library.events.subscriberCount() === 1, 'the subscriber');
      const closing = own.close();
      const err = await errorOf(
        (async function* () {
          yield await first;
        })(),
      );
      assert.equal(err.code, Code.Unavailable);
      assert.equal(err.rawMessage, 'the server is shutting down');
      await closing;
      assert.equal(library.events.subscriberCount(), 0);
    } finally {
      session.abort();
    }
  });
});

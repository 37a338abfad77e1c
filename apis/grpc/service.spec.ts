// Every RPC of library.v1.LibraryService through a real grpc-js client, in its call mode, and
// each read equal to what the domain returns for the same question.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { library as pb } from '../../schemas/gen/pbjs/library_pb.js';
import { LIMITS, type NewBook } from '../domain/index.ts';
import { toBookMessage } from './convert.ts';
import {
  call,
  type Harness,
  headersOf,
  readAll,
  startHarness,
  toDomainAuthor,
  toDomainBook,
  toDomainChat,
  toDomainReview,
  waitFor,
} from './test-support.ts';

let h: Harness;

before(async () => {
  h = await startHarness({ libraryOptions: { now: () => new Date('2030-01-02T03:04:05.678Z') } });
});

after(async () => {
  await h.close();
});

const newBook = (isbn: string): NewBook => ({
  authorId: 3,
  title: 'Wire Formats',
  isbn,
  genre: 'non_fiction',
  tags: ['protocols', 'http2'],
  priceCents: 0,
  pages: 321,
  publishedAt: '2024-05-06T07:08:09.010Z',
  description: '',
});

describe('unary CRUD', () => {
  test('GetBook returns the domain book', async () => {
    const res = await call(h.client, h.client.getBook, { id: 7 });
    assert.deepEqual(toDomainBook(res.book), h.library.getBook(7));
  });

  test('ListBooks pages through every book in id order, as the domain does', async () => {
    const ids: number[] = [];
    let pageToken = '';
    for (;;) {
      const res = await call(h.client, h.client.listBooks, { pageSize: 50, pageToken });
      const page = h.library.listBooks({ pageSize: 50, cursor: pageToken || undefined });
      assert.deepEqual(res.books.map(toDomainBook), page.items);
      assert.equal(res.nextPageToken, page.nextCursor ?? '');
      ids.push(...res.books.map((b) => toDomainBook(b).id));
      if (!res.nextPageToken) break;
      pageToken = res.nextPageToken;
    }
    assert.deepEqual(
      ids,
      h.library.exportCatalog().map((b) => b.id),
    );
  });

  test('ListBooks filters by genre and author', async () => {
    const res = await call(h.client, h.client.listBooks, {
      pageSize: 100,
      genre: pb.v1.Genre.GENRE_SCIENCE,
      authorId: 2,
    });
    const page = h.library.listBooks({ pageSize: 100, genre: 'science', authorId: 2 });
    assert.deepEqual(res.books.map(toDomainBook), page.items);
    assert.ok(res.books.every((b) => b.genre === pb.v1.Genre.GENRE_SCIENCE && b.authorId === 2));
  });

  test('ListBooks with page_size 0 uses the default page size', async () => {
    const res = await call(h.client, h.client.listBooks, {});
    assert.equal(res.books.length, LIMITS.pageSizeDefault);
  });

  test('CreateBook, UpdateBook with a field mask, DeleteBook', async () => {
    const created = await call(h.client, h.client.createBook, {
      book: toBookMessage({ id: 0, ...newBook('9780306406157') }),
    });
    const book = toDomainBook(created.book);
    assert.ok(book.id > 0);
    assert.deepEqual(book, { id: book.id, ...newBook('9780306406157') });
    assert.deepEqual(h.library.getBook(book.id), book);

    // Only the masked fields change, even though the message carries others.
    const updated = await call(h.client, h.client.updateBook, {
      book: { id: book.id, title: 'Wire Formats, 2nd ed.', pages: 999, priceCents: 4200 },
      updateMask: { paths: ['title', 'price_cents'] },
    });
    const expected = { ...book, title: 'Wire Formats, 2nd ed.', priceCents: 4200 };
    assert.deepEqual(toDomainBook(updated.book), expected);
    assert.deepEqual(h.library.getBook(book.id), expected);

    // A masked field absent from the message is cleared to its default.
    const cleared = await call(h.client, h.client.updateBook, {
      book: { id: book.id },
      updateMask: { paths: ['tags'] },
    });
    assert.deepEqual(toDomainBook(cleared.book).tags, []);

    // No mask: every field set in the message.
    const unmasked = await call(h.client, h.client.updateBook, {
      book: { id: book.id, pages: 10, genre: pb.v1.Genre.GENRE_POETRY },
    });
    assert.deepEqual(toDomainBook(unmasked.book), {
      ...expected,
      tags: [],
      pages: 10,
      genre: 'poetry',
    });

    const deleted = await call(h.client, h.client.deleteBook, { id: book.id });
    assert.deepEqual(pb.v1.DeleteBookResponse.toObject(deleted), {});
    assert.throws(() => h.library.getBook(book.id), { code: 'not_found' });
  });
});

describe('reviews', () => {
  test('CreateReview writes one review, returns it as stored, and publishes it', async () => {
    const stream = h.client.watchReviews({ bookId: 13 });
    const watched = new Promise<pb.v1.WatchReviewsResponse>((resolve) =>
      stream.once('data', resolve),
    );
    stream.on('error', () => {});
    await headersOf(stream);
    const before = h.library.countReviews();

    const res = await call(h.client, h.client.createReview, {
      // id and created_at are output only: the server assigns its own.
      review: { id: 9, bookId: 13, reviewer: 'ana', rating: 5, body: 'a keeper', createdAt: {} },
    });
    const review = toDomainReview(res.review);
    assert.ok(review.id > 0 && review.id !== 9);
    assert.deepEqual(review, {
      id: review.id,
      bookId: 13,
      reviewer: 'ana',
      rating: 5,
      body: 'a keeper',
      createdAt: '2030-01-02T03:04:05.678Z',
    });
    assert.equal(h.library.countReviews(), before + 1);
    assert.deepEqual(h.library.listBookReviews(13, 1), [review]);
    assert.deepEqual(toDomainReview((await watched).review), review);
    stream.cancel();
    await waitFor(() => h.server.activeStreams() === 0, 'the watch to stop');
  });
});

describe('nested read', () => {
  test('ListAuthors, ListAuthorBooks and ListBookReviews give the naive tree', async () => {
    const authors = await call(h.client, h.client.listAuthors, { pageSize: 5 });
    assert.deepEqual(
      authors.authors.map(toDomainAuthor),
      h.library.listAuthors({ pageSize: 5 }).items,
    );
    const first = toDomainAuthor(authors.authors[0]);
    const books = await call(h.client, h.client.listAuthorBooks, { authorId: first.id });
    assert.deepEqual(books.books.map(toDomainBook), h.library.listAuthorBooks(first.id));
    const book = toDomainBook(books.books[0]);
    const reviews = await call(h.client, h.client.listBookReviews, { bookId: book.id, limit: 5 });
    assert.deepEqual(reviews.reviews.map(toDomainReview), h.library.listBookReviews(book.id, 5));
  });

  test('GetAuthorTree returns the domain tree in one call, page after page', async () => {
    let pageToken = '';
    let authors = 0;
    for (;;) {
      const res = await call(h.client, h.client.getAuthorTree, {
        pageSize: 7,
        pageToken,
        reviewsPerBook: 2,
      });
      const page = h.library.authorTree({
        pageSize: 7,
        cursor: pageToken || undefined,
        reviewsPerBook: 2,
      });
      assert.deepEqual(
        res.authors.map((t) => ({
          ...toDomainAuthor(t.author),
          books: (t.books ?? []).map((b) => ({
            ...toDomainBook(b.book),
            reviews: (b.reviews ?? []).map(toDomainReview),
          })),
        })),
        page.items,
      );
      assert.equal(res.nextPageToken, page.nextCursor ?? '');
      authors += res.authors.length;
      if (!res.nextPageToken) break;
      pageToken = res.nextPageToken;
    }
    assert.equal(authors, h.library.listAuthors({ pageSize: 100 }).items.length);
  });
});

describe('large payload', () => {
  test('ExportCatalog returns the whole catalog in one message', async () => {
    const res = await call(h.client, h.client.exportCatalog, {});
    assert.deepEqual(res.books.map(toDomainBook), h.library.exportCatalog());
  });

  test('StreamCatalog streams the catalog in chunks of chunk_size', async () => {
    const chunks = await readAll(h.client.streamCatalog({ chunkSize: 64 }));
    const catalog = h.library.exportCatalog();
    assert.deepEqual(
      chunks.map((c) => c.books.length),
      [...Array(Math.ceil(catalog.length / 64)).keys()].map((i) =>
        Math.min(64, catalog.length - i * 64),
      ),
    );
    assert.deepEqual(
      chunks.flatMap((c) => c.books.map(toDomainBook)),
      catalog,
    );
  });

  test('StreamCatalog defaults to chunks of 100', async () => {
    const chunks = await readAll(h.client.streamCatalog({}));
    assert.equal(chunks[0]?.books.length, 100);
  });
});

describe('streaming', () => {
  test('WatchReviews streams new reviews of its book, from any source', async () => {
    const stream = h.client.watchReviews({ bookId: 11 });
    const received: pb.v1.WatchReviewsResponse[] = [];
    stream.on('data', (m: pb.v1.WatchReviewsResponse) => received.push(m));
    const ended = new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    await headersOf(stream);

    const direct = h.library.createReview({ bookId: 11, reviewer: 'ana', rating: 4, body: '' });
    h.library.createReview({ bookId: 12, reviewer: 'not for us', rating: 1, body: 'x' });
    const imported = await new Promise<pb.v1.ImportReviewsResponse>((resolve, reject) => {
      const up = h.client.importReviews((err, res) => (err ? reject(err) : resolve(res!)));
      up.write({ review: { bookId: 11, reviewer: 'bo', rating: 5, body: 'great' } });
      up.end();
    });
    assert.equal(imported.importedCount, 1);

    await waitFor(() => received.length === 2, 'two reviews');
    const reviews = received.map((m) => toDomainReview(m.review));
    assert.deepEqual(reviews[0], direct);
    assert.deepEqual(
      reviews.map((r) => [r.bookId, r.reviewer]),
      [
        [11, 'ana'],
        [11, 'bo'],
      ],
    );
    assert.deepEqual(h.library.listBookReviews(11, 1)[0], reviews[1]);
    stream.cancel();
    assert.equal((await ended).code, grpc.status.CANCELLED);
    await waitFor(() => h.server.activeStreams() === 0, 'the watch to stop');
  });

  test('ImportReviews writes every streamed review', async () => {
    const before = h.library.countReviews();
    const res = await new Promise<pb.v1.ImportReviewsResponse>((resolve, reject) => {
      const up = h.client.importReviews((err, r) => (err ? reject(err) : resolve(r!)));
      for (let i = 0; i < 250; i++) {
        up.write({ review: { bookId: 20 + (i % 5), reviewer: `r${i}`, rating: 1 + (i % 5) } });
      }
      up.end();
    });
    assert.equal(res.importedCount, 250);
    assert.equal(h.library.countReviews(), before + 250);
    assert.deepEqual(
      h.library.listBookReviews(24, 1).map((r) => [r.reviewer, r.rating, r.body]),
      [['r249', 5, '']],
    );
  });

  test('Chat streams every message of the room to every member, sender included', async () => {
    const alice = h.client.chat();
    const fromAlice: pb.v1.ChatResponse[] = [];
    alice.on('data', (m: pb.v1.ChatResponse) => fromAlice.push(m));
    const aliceEnded = new Promise<void>((resolve, reject) => {
      alice.on('end', resolve);
      alice.on('error', reject);
    });
    alice.write({ room: 'book-club', sender: 'alice' }); // joins without posting
    await headersOf(alice);

    const bob = h.client.chat();
    const fromBob: pb.v1.ChatResponse[] = [];
    bob.on('data', (m: pb.v1.ChatResponse) => fromBob.push(m));
    const bobEnded = new Promise<void>((resolve, reject) => {
      bob.on('end', resolve);
      bob.on('error', reject);
    });
    bob.write({ room: 'book-club', sender: 'bob', text: 'hello' });
    await headersOf(bob);
    h.library.postChatMessage({ room: 'other-room', sender: 'eve', text: 'elsewhere' });
    bob.write({ room: 'book-club', sender: 'bob', text: 'anyone here?' });
    await waitFor(() => fromAlice.length === 2, 'alice to hear bob');
    alice.write({ room: 'book-club', sender: 'alice', text: 'hi bob' });
    // Bob hears alice before he half-closes. (Frames of two calls keep no order between them
    // on the connection: a half-close sent right after alice's message may reach the server
    // before it or after it; Node 24's HTTP/2 client sends the lower stream id's first.)
    await waitFor(() => fromBob.length === 3, 'bob to hear alice');

    // Bob half-closes: the server still forwards up to bob's own last message, then ends OK.
    bob.end();
    await bobEnded;
    await waitFor(() => fromAlice.length === 3, 'alice to hear herself');
    alice.end();
    await aliceEnded;

    const texts = (ms: pb.v1.ChatResponse[]) =>
      ms.map((m) => toDomainChat(m.message)).map((c) => `${c.room}/${c.sender}: ${c.text}`);
    assert.deepEqual(texts(fromAlice), [
      'book-club/bob: hello',
      'book-club/bob: anyone here?',
      'book-club/alice: hi bob',
    ]);
    assert.deepEqual(texts(fromBob), texts(fromAlice));
    assert.equal(toDomainChat(fromAlice[0]?.message).sentAt, '2030-01-02T03:04:05.678Z');
    await waitFor(() => h.server.activeStreams() === 0, 'both chats to stop');
    assert.equal(h.library.events.subscriberCount(), 0);
  });

  test('Chat ends with OK after the half-close even when another session spoke last', {
    // Without the fix the call never ends: fail rather than hang.
    timeout: 20_000,
  }, async () => {
    const join = (sender: string) => {
      const chat = h.client.chat();
      const heard: string[] = [];
      chat.on('data', (m: pb.v1.ChatResponse) => {
        const c = toDomainChat(m.message);
        heard.push(`${c.sender}: ${c.text}`);
      });
      chat.on('error', () => {});
      const status = new Promise<grpc.StatusObject>((resolve) => chat.on('status', resolve));
      chat.write({ room: 'late-word', sender });
      return { chat, heard, status };
    };
    const ana = join('ana');
    const bo = join('bo');
    await Promise.all([headersOf(ana.chat), headersOf(bo.chat)]);

    ana.chat.write({ room: 'late-word', sender: 'ana', text: 'one' });
    await waitFor(() => ana.heard.length === 1, 'ana to hear herself');
    // Bo speaks after ana's own last message, and ana hears it before she half-closes: the
    // last message forwarded to ana is not hers.
    bo.chat.write({ room: 'late-word', sender: 'bo', text: 'two' });
    await waitFor(() => ana.heard.length === 2, 'ana to hear bo');
    ana.chat.end();
    assert.equal((await ana.status).code, grpc.status.OK);
    assert.deepEqual(ana.heard, ['ana: one', 'bo: two']);

    // Bo is still in the room, and ends the same way.
    bo.chat.end();
    assert.equal((await bo.status).code, grpc.status.OK);
    assert.deepEqual(bo.heard, ['ana: one', 'bo: two']);
    await waitFor(() => h.server.activeStreams() === 0, 'both chats to stop');
    assert.equal(h.library.events.subscriberCount(), 0);
  });
});

// Every RPC through real connect-node clients, in every protocol variant and every call mode
// the variant allows, checked against the domain's own answer.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Code, ConnectError } from '@connectrpc/connect';
import { Genre } from '../../schemas/gen/es/library/v1/library_pb.ts';
import { Library, withIsbnCheckDigit } from '../domain/index.ts';
import {
  authorFromProto,
  bookFromProto,
  createVariants,
  reviewFromProto,
  startServers,
  type Variant,
  waitFor,
} from './test-support.ts';

const library = Library.open({ scale: 'small' });
const servers = await startServers(library);
const { variants, close: closeVariants } = createVariants(servers);

after(async () => {
  closeVariants();
  await servers.close();
  library.close();
});

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

async function* fromArray<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

function describeVariant(v: Variant, index: number) {
  const { client } = v;

  test('GetBook returns the domain book', async () => {
    for (const id of [1, 17, 200]) {
      const res = await client.getBook({ id });
      assert.deepEqual(bookFromProto(res.book), library.getBook(id));
    }
  });

  test('ListBooks pages through the same books as the domain, filters included', async () => {
    let token = '';
    const ids: number[] = [];
    do {
      const res = await client.listBooks({ pageSize: 7, pageToken: token, genre: Genre.FICTION });
      const page = library.listBooks({
        pageSize: 7,
        cursor: token || undefined,
        genre: 'fiction',
      });
      assert.deepEqual(res.books.map(bookFromProto), page.items);
      assert.equal(res.nextPageToken, page.nextCursor ?? '');
      ids.push(...res.books.map((b) => b.id));
      token = res.nextPageToken;
    } while (token !== '');
    const fiction = library.exportCatalog().filter((b) => b.genre === 'fiction');
    assert.deepEqual(
      ids,
      fiction.map((b) => b.id),
    );
    const byAuthor = await client.listBooks({ authorId: 3, pageSize: 100 });
    assert.deepEqual(
      byAuthor.books.map(bookFromProto),
      library.listBooks({ authorId: 3, pageSize: 100 }).items,
    );
  });

  test('CreateBook, UpdateBook with a field mask and DeleteBook change the domain', async () => {
    const isbn = withIsbnCheckDigit(`97899900${String(1000 + index).padStart(4, '0')}`);
    const created = await client.createBook({
      book: {
        authorId: 2,
        title: `Wire ${v.name}`,
        isbn,
        genre: Genre.SCIENCE,
        tags: ['wire', 'bench'],
        priceCents: 1999,
        pages: 321,
        publishedAt: { seconds: 1_700_000_000n, nanos: 0 },
        description: 'created through Connect',
      },
    });
    const book = bookFromProto(created.book);
    assert.deepEqual(book, library.getBook(book.id));
    assert.equal(book.title, `Wire ${v.name}`);
    assert.equal(book.publishedAt, '2023-11-14T22:13:20.000Z');

    const updated = await client.updateBook({
      book: { id: book.id, title: 'Renamed', priceCents: 2500, pages: 9999 },
      updateMask: { paths: ['title', 'price_cents'] },
    });
    assert.deepEqual(bookFromProto(updated.book), { ...book, title: 'Renamed', priceCents: 2500 });
    assert.deepEqual(library.getBook(book.id), bookFromProto(updated.book));

    // No mask: every field set to a non-default value is updated.
    const unmasked = await client.updateBook({ book: { id: book.id, pages: 12 } });
    assert.equal(unmasked.book?.pages, 12);
    assert.equal(unmasked.book?.title, 'Renamed');

    await client.deleteBook({ id: book.id });
    assert.throws(() => library.getBook(book.id), { code: 'not_found' });
    await assert.rejects(client.deleteBook({ id: book.id }), { code: Code.NotFound });
  });

  test('CreateReview writes one review, returns it as stored, and publishes it', async () => {
    const bookId = 30 + index;
    const abort = new AbortController();
    const watched = client
      .watchReviews({ bookId }, { signal: abort.signal })
      [Symbol.asyncIterator]()
      .next();
    await waitFor(() => library.events.subscriberCount() === 1, 'the WatchReviews subscriber');
    const before = library.countReviews();
    const res = await client.createReview({
      // id and created_at are output only: the server assigns its own.
      review: { id: 9, bookId, reviewer: v.name, rating: 2, body: 'so-so', createdAt: {} },
    });
    const review = reviewFromProto(res.review);
    assert.ok(review.id > 0 && review.id !== 9);
    assert.deepEqual(library.listBookReviews(bookId, 1), [review]);
    assert.deepEqual(
      [review.bookId, review.reviewer, review.rating, review.body],
      [bookId, v.name, 2, 'so-so'],
    );
    assert.equal(library.countReviews(), before + 1);
    assert.deepEqual(reviewFromProto((await watched).value?.review), review);
    abort.abort();
    await waitFor(() => library.events.subscriberCount() === 0, 'the subscriber to end');
  });

  test('ListAuthors, ListAuthorBooks and ListBookReviews return the domain data', async () => {
    const authors = await client.listAuthors({ pageSize: 8 });
    const page = library.listAuthors({ pageSize: 8 });
    assert.deepEqual(authors.authors.map(authorFromProto), page.items);
    const next = await client.listAuthors({ pageSize: 8, pageToken: authors.nextPageToken });
    assert.deepEqual(
      next.authors.map(authorFromProto),
      library.listAuthors({ pageSize: 8, cursor: page.nextCursor }).items,
    );
    const books = await client.listAuthorBooks({ authorId: 4 });
    assert.deepEqual(books.books.map(bookFromProto), library.listAuthorBooks(4));
    const reviews = await client.listBookReviews({ bookId: 5, limit: 4 });
    assert.deepEqual(reviews.reviews.map(reviewFromProto), library.listBookReviews(5, 4));
    const defaults = await client.listBookReviews({ bookId: 5 });
    assert.equal(defaults.reviews.length, library.listBookReviews(5).length);
  });

  test('GetAuthorTree returns the domain tree', async () => {
    const res = await client.getAuthorTree({ pageSize: 3, reviewsPerBook: 2 });
    const tree = library.authorTree({ pageSize: 3, reviewsPerBook: 2 });
    assert.deepEqual(
      res.authors.map((a) => ({
        ...authorFromProto(a.author),
        books: a.books.map((b) => ({
          ...bookFromProto(b.book),
          reviews: b.reviews.map(reviewFromProto),
        })),
      })),
      tree.items,
    );
    assert.equal(res.nextPageToken, tree.nextCursor);
  });

  test('ExportCatalog returns the whole catalog in one message', async () => {
    const res = await client.exportCatalog({});
    assert.deepEqual(res.books.map(bookFromProto), library.exportCatalog());
  });

  test('StreamCatalog streams the catalog in chunks of chunk_size', async () => {
    const chunks = await collect(client.streamCatalog({ chunkSize: 64 }));
    const catalog = library.exportCatalog();
    const sizes = chunks.map((c) => c.books.length);
    assert.deepEqual(sizes, [64, 64, 64, catalog.length - 192]);
    assert.deepEqual(
      chunks.flatMap((c) => c.books.map(bookFromProto)),
      catalog,
    );
    const defaults = await collect(client.streamCatalog({}));
    assert.equal(defaults[0]?.books.length, 100);
  });

  test('WatchReviews streams new reviews of the book and lets go when the client stops', async () => {
    const abort = new AbortController();
    const stream = client.watchReviews({ bookId: 9 }, { signal: abort.signal });
    const iterator = stream[Symbol.asyncIterator]();
    const first = iterator.next();
    await waitFor(() => library.events.subscriberCount() === 1, 'the WatchReviews subscriber');
    library.createReview({ bookId: 8, reviewer: 'other', rating: 2, body: 'not watched' });
    const created = library.createReview({ bookId: 9, reviewer: v.name, rating: 4, body: 'ok' });
    const received = await first;
    assert.equal(received.done, false);
    assert.deepEqual(reviewFromProto(received.value?.review), created);
    abort.abort();
    await assert.rejects(iterator.next(), { code: Code.Canceled });
    await waitFor(() => library.events.subscriberCount() === 0, 'the subscriber to end');
  });

  test('ImportReviews imports every streamed review at once', async () => {
    const before = library.countReviews();
    const res = await client.importReviews(
      fromArray(
        [1, 2, 3].map((rating) => ({
          review: { bookId: 11, reviewer: v.name, rating, body: 'imp' },
        })),
      ),
    );
    assert.equal(res.importedCount, 3);
    assert.equal(library.countReviews(), before + 3);
    const latest = library.listBookReviews(11, 3);
    assert.deepEqual(latest.map((r) => [r.reviewer, r.rating]).sort(), [
      [v.name, 1],
      [v.name, 2],
      [v.name, 3],
    ]);
  });

  if (v.httpVersion === '2') {
    test('Chat streams back every message of the room, then ends after the client half-closes', async () => {
      const room = `room-${index}`;
      const responses = await collect(
        client.chat(
          fromArray([
            { room, sender: 'ada', text: 'hello' },
            { room, sender: 'ada', text: 'bye' },
          ]),
        ),
      );
      assert.deepEqual(
        responses.map((r) => [r.message?.room, r.message?.sender, r.message?.text]),
        [
          [room, 'ada', 'hello'],
          [room, 'ada', 'bye'],
        ],
      );
      assert.ok(responses.every((r) => r.message?.sentAt !== undefined));
      assert.equal(library.events.subscriberCount(), 0);
    });
  } else {
    test('Chat (bidi) is refused over HTTP/1.1 with HTTP 505', async () => {
      const err = await collect(client.chat(fromArray([{ room: 'h1', sender: 'a', text: 'x' }])))
        .then(() => undefined)
        .catch((e: unknown) => ConnectError.from(e));
      assert.ok(err, 'the call must fail');
      assert.equal(err.code, Code.Unknown);
      assert.equal(err.rawMessage, 'HTTP 505');
      assert.equal(library.events.subscriberCount(), 0);
    });
  }
}

variants.forEach((v, index) => {
  describe(v.name, () => describeVariant(v, index));
});

describe('Chat between participants and protocols', () => {
  const h2 = variants.find((v) => v.protocol === 'grpc');
  const other = variants.find((v) => v.protocol === 'connect-proto' && v.httpVersion === '2');

  test('a participant receives what others post, from any protocol, until it cancels', async () => {
    assert.ok(h2 && other);
    const abort = new AbortController();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* joinOnly() {
      yield { room: 'club', sender: 'listener', text: '' };
      await held;
    }
    const stream = h2.client.chat(joinOnly(), { signal: abort.signal })[Symbol.asyncIterator]();
    const first = stream.next();
    await waitFor(() => library.events.subscriberCount() === 1, 'the listener to join');
    await collect(other.client.chat(fromArray([{ room: 'club', sender: 'poster', text: 'hi' }])));
    library.postChatMessage({ room: 'club', sender: 'rest-user', text: 'from the domain' });
    const a = await first;
    const b = await stream.next();
    assert.deepEqual([a.value?.message?.text, b.value?.message?.text], ['hi', 'from the domain']);
    abort.abort();
    release();
    await assert.rejects(stream.next(), { code: Code.Canceled });
    await waitFor(() => library.events.subscriberCount() === 0, 'the listener to leave');
  });
});

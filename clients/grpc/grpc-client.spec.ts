// The grpc-js client against both gRPC servers (grpc-js, and connect-node's gRPC over HTTP/2),
// through a real `wirebench serve` child process: every method, the canonical error codes with
// proto field paths, and every stream. The REST JSON of the same server is the reference.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Book,
  type ChatMessage,
  ClientError,
  type LibraryClient,
  type NewBook,
} from '../contract.ts';
import { type ServerProcess, startServerProcess } from '../server-process.ts';
import { createGrpcClient, type GrpcVariant } from './index.ts';

const VARIANTS: GrpcVariant[] = ['grpc', 'grpc-connect'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function camel(value: Json): Json {
  if (Array.isArray(value)) return value.map(camel);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
      camel(v),
    ]),
  );
}

async function expectClientError(promise: Promise<unknown>, code: string): Promise<ClientError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ClientError, `expected ClientError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, the call succeeded`);
}

/** The next chat message of a session as [room, sender, text]. */
async function said(messages: AsyncIterator<ChatMessage>): Promise<string[]> {
  const r = await messages.next();
  assert.equal(r.done, false, 'the chat is still open');
  return [r.value.room, r.value.sender, r.value.text];
}

function isbnFor(n: number): string {
  const first12 = `979${String(n).padStart(9, '0')}`;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3);
  return `${first12}${(10 - (sum % 10)) % 10}`;
}

describe('grpc-js client', { timeout: 180_000 }, () => {
  let server: ServerProcess;
  let rest: (path: string) => Promise<Record<string, Json>>;

  before(async () => {
    server = await startServerProcess({ scale: 'small', seed: 42 });
    rest = async (path) => {
      const res = await fetch(`${server.endpoints.http}${path}`);
      assert.equal(res.status, 200, `reference GET ${path}`);
      return camel((await res.json()) as Json) as Record<string, Json>;
    };
  });
  after(async () => {
    await server?.stop();
  });

  VARIANTS.forEach((variant, index) => {
    describe(variant, () => {
      let client: LibraryClient;
      const reviewCount = async (bookId: number) =>
        ((await rest(`/v1/books/${bookId}/reviews?limit=20`)).reviews as Json[]).length;

      before(() => {
        client = createGrpcClient(variant, server.endpoints);
      });
      after(async () => {
        await client?.close();
      });

      it('offers every call mode', () => {
        assert.equal(client.variant, variant);
        for (const mode of ['unary', 'serverStream', 'clientStream', 'bidi'] as const) {
          assert.equal(client.capabilities[mode].supported, true, mode);
        }
      });

      it('reads a book as domain values (genre names, RFC 3339 timestamps)', async () => {
        const book = await client.getBook(7);
        assert.deepEqual(book, await rest('/v1/books/7'));
        assert.match(book.publishedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      });

      it('pages through the books of one author to the last page', async () => {
        const ids: number[] = [];
        let cursor: string | undefined;
        do {
          const page = await client.listBooks({ authorId: 3, pageSize: 2, cursor });
          ids.push(...page.items.map((b) => b.id));
          cursor = page.nextCursor;
        } while (cursor !== undefined);
        const want = ((await rest('/v1/authors/3/books')).books as { id: number }[]).map(
          (b) => b.id,
        );
        assert.ok(want.length > 2, 'more than one page');
        assert.deepEqual(ids, want);
      });

      it('creates a book, updates only the masked fields (zero values too), deletes it', async () => {
        const input: NewBook = {
          authorId: 2,
          title: `gRPC ${variant}`,
          isbn: isbnFor(3000 + index),
          genre: 'non_fiction',
          tags: ['x', 'y'],
          priceCents: 999,
          pages: 120,
          publishedAt: '2021-06-07T08:09:10.123Z',
          description: 'a test book',
        };
        const created = await client.createBook(input);
        assert.deepEqual({ ...created, id: 0 }, { ...input, id: 0 });
        const updated = await client.updateBook(created.id, {
          title: 'Renamed',
          priceCents: 0,
          tags: [],
        });
        assert.deepEqual(updated, { ...created, title: 'Renamed', priceCents: 0, tags: [] });
        assert.deepEqual(await rest(`/v1/books/${created.id}`), { ...updated });
        await client.deleteBook(created.id);
        await expectClientError(client.getBook(created.id), 'not_found');
        await expectClientError(client.deleteBook(created.id), 'not_found');
      });

      it('maps failures to canonical codes with proto field paths', async () => {
        const missing = await expectClientError(client.getBook(987_654), 'not_found');
        assert.match(missing.message, /987654/);
        const bad = await expectClientError(
          client.createBook({
            authorId: 1,
            title: '',
            isbn: isbnFor(4000 + index),
            genre: 'science',
            tags: [],
            priceCents: -1,
            pages: 10,
            publishedAt: '2020-01-01T00:00:00.000Z',
            description: '',
          }),
          'invalid_argument',
        );
        assert.deepEqual(
          bad.fieldViolations.map((v) => v.field),
          ['book.title', 'book.price_cents'],
        );
        assert.ok(bad.fieldViolations.every((v) => v.description.length > 0));
        const paging = await expectClientError(
          client.listBooks({ pageSize: 1000 }),
          'invalid_argument',
        );
        assert.deepEqual(
          paging.fieldViolations.map((v) => v.field),
          ['page_size'],
        );
        const { id: _id, ...copy } = await client.getBook(1);
        await expectClientError(client.createBook(copy), 'already_exists');
        const date = await expectClientError(
          client.createBook({ ...copy, publishedAt: 'yesterday' }),
          'invalid_argument',
        );
        assert.deepEqual(
          date.fieldViolations.map((v) => v.field),
          ['book.published_at'],
        );
      });

      it('reads the same author tree naively (N+1 calls) and in one call', async () => {
        const query = { authors: 4, reviewsPerBook: 2 };
        const naive = await client.authorTree(query, 'naive');
        const batched = await client.authorTree(query, 'batched');
        assert.equal(naive.length, 4);
        assert.ok(naive.every((a) => a.books.length > 0));
        assert.ok(naive.every((a) => a.books.every((b) => b.reviews.length <= 2)));
        assert.deepEqual(naive, batched);
        const want = await rest('/v1/authors?page_size=4&include=books.reviews&reviews_per_book=2');
        assert.deepEqual(batched, want.authors);
      });

      it('exports the catalog as one message and as chunks of 100', async () => {
        const catalog = await client.exportCatalog();
        assert.equal(catalog.length, 200);
        const chunks: Book[][] = [];
        for await (const chunk of client.streamCatalog()) chunks.push(chunk);
        assert.deepEqual(
          chunks.map((c) => c.length),
          [100, 100],
        );
        assert.deepEqual(chunks.flat(), catalog);
      });

      it('stops a catalog stream early and keeps working', async () => {
        for await (const chunk of client.streamCatalog()) {
          assert.equal(chunk.length, 100);
          break;
        }
        assert.equal((await client.getBook(2)).id, 2);
      });

      it('creates a review in one call, as the server stores it, and maps its failures', async () => {
        const bookId = 90 + index;
        const before = await reviewCount(bookId);
        const created = await client.createReview({
          bookId,
          reviewer: variant,
          rating: 2,
          body: 'one call',
        });
        assert.deepEqual(
          [created.bookId, created.reviewer, created.rating, created.body],
          [bookId, variant, 2, 'one call'],
        );
        const [latest] = (await rest(`/v1/books/${bookId}/reviews?limit=1`)).reviews as Json[];
        assert.deepEqual(created, latest);
        assert.equal(await reviewCount(bookId), before + 1);
        const review = { bookId, reviewer: variant, rating: 3, body: '' };
        await expectClientError(client.createReview({ ...review, bookId: 987_654 }), 'not_found');
        const bad = await expectClientError(
          client.createReview({ ...review, rating: 6 }),
          'invalid_argument',
        );
        assert.deepEqual(
          bad.fieldViolations.map((v) => v.field),
          ['review.rating'],
        );
        assert.equal(await reviewCount(bookId), before + 1);
      });

      it('delivers reviews of the watched book created after ready, and ends on cancel', async () => {
        const bookId = 40 + index;
        const watch = client.watchReviews({ bookId });
        await watch.ready;
        const reviews = watch[Symbol.asyncIterator]();
        const first = reviews.next();
        await client.createReview({ bookId: bookId + 10, reviewer: 'other', rating: 1, body: 'x' });
        const created = await client.createReview({
          bookId,
          reviewer: variant,
          rating: 4,
          body: 'y',
        });
        assert.deepEqual(await first, { done: false, value: created });
        watch.cancel();
        assert.deepEqual(await reviews.next(), { done: true, value: undefined });
      });

      it('ends a watch when its signal aborts', async () => {
        const abort = new AbortController();
        const watch = client.watchReviews({ signal: abort.signal });
        await watch.ready;
        const next = watch[Symbol.asyncIterator]().next();
        abort.abort();
        assert.deepEqual(await next, { done: true, value: undefined });
      });

      it('fails a watch of an invalid book id with invalid_argument', async () => {
        const watch = client.watchReviews({ bookId: -1 });
        watch.ready.catch(() => {});
        const err = await expectClientError(
          watch[Symbol.asyncIterator]().next(),
          'invalid_argument',
        );
        assert.deepEqual(
          err.fieldViolations.map((v) => v.field),
          ['book_id'],
        );
      });

      it('imports all or nothing: one bad review refuses the whole stream', async () => {
        const bookId = 60 + index;
        const before = await reviewCount(bookId);
        const good = { bookId, reviewer: 'importer', rating: 5, body: 'good' };
        const err = await expectClientError(
          client.importReviews([good, { ...good, rating: 0 }, good]),
          'invalid_argument',
        );
        assert.deepEqual(
          err.fieldViolations.map((v) => v.field),
          ['reviews[1].rating'],
        );
        assert.equal(await reviewCount(bookId), before);
        async function* three() {
          for (const rating of [1, 2, 3]) yield { ...good, rating };
        }
        assert.equal(await client.importReviews(three()), 3);
        assert.equal(await reviewCount(bookId), before + 3);
      });

      it('imports nothing when the source fails mid-stream', async () => {
        const bookId = 70 + index;
        const before = await reviewCount(bookId);
        const review = { bookId, reviewer: 'broken', rating: 3, body: 'b' };
        async function* failing() {
          yield review;
          yield review;
          throw new Error('source broke');
        }
        await assert.rejects(client.importReviews(failing()), { message: 'source broke' });
        // A later import on the same channel commits after anything the first could have.
        assert.equal(await client.importReviews([review]), 1);
        assert.equal(await reviewCount(bookId), before + 1);
      });

      it('chats between two sessions, each message to both', async () => {
        const room = `grpc-room-${index}`;
        const a = client.chat(room);
        const b = client.chat(room);
        try {
          await Promise.all([a.ready, b.ready]);
          const inA = a.messages[Symbol.asyncIterator]();
          const inB = b.messages[Symbol.asyncIterator]();
          await a.send('ana', 'hello');
          assert.deepEqual(await said(inA), [room, 'ana', 'hello']);
          assert.deepEqual(await said(inB), [room, 'ana', 'hello']);
          await b.send('bo', 'hi');
          assert.deepEqual(await said(inA), [room, 'bo', 'hi']);
          assert.deepEqual(await said(inB), [room, 'bo', 'hi']);
        } finally {
          await Promise.all([a.close(), b.close()]);
        }
        await expectClientError(a.send('ana', 'too late'), 'failed_precondition');
      });

      it('ends a chat once the server has sent the session its own last message after the half-close', {
        // Another session speaks after this one's last message: a server that waited for its
        // own message to be the last one forwarded would never end the call. Fail, not hang.
        timeout: 20_000,
      }, async () => {
        const room = `grpc-close-${index}`;
        const a = client.chat(room);
        const b = client.chat(room);
        try {
          await Promise.all([a.ready, b.ready]);
          const inA = a.messages[Symbol.asyncIterator]();
          await a.send('ana', 'one');
          assert.deepEqual(await said(inA), [room, 'ana', 'one']);
          await b.send('bo', 'two');
          assert.deepEqual(await said(inA), [room, 'bo', 'two']);
          await a.close();
          assert.deepEqual(await inA.next(), { done: true, value: undefined });
        } finally {
          await Promise.all([a.close(), b.close()]);
        }
      });

      it('refuses a chat room that is not valid with invalid_argument', async () => {
        const session = client.chat('');
        if (variant === 'grpc') {
          // connect-node sends the status of a failed call a write cycle after its headers, so
          // ready (confirmed by a later call) may resolve first: the stream still fails below.
          await expectClientError(session.ready, 'invalid_argument');
        }
        const err = await expectClientError(
          session.messages[Symbol.asyncIterator]().next(),
          'invalid_argument',
        );
        assert.deepEqual(
          err.fieldViolations.map((v) => v.field),
          ['room'],
        );
        await expectClientError(session.send('ana', 'x'), 'invalid_argument');
        await session.close();
      });

      it('close() ends open streams quietly and refuses later calls', async () => {
        const own = createGrpcClient(variant, server.endpoints);
        const watch = own.watchReviews();
        await watch.ready;
        const next = watch[Symbol.asyncIterator]().next();
        await own.close();
        assert.deepEqual(await next, { done: true, value: undefined });
        await expectClientError(own.getBook(1), 'cancelled');
      });
    });
  });
});

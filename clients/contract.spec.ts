// The contract suite: one suite, every client variant, against one real server process. The
// ground truth for reads is the REST JSON fetched without any client code (apis/equivalence.spec.ts
// proves that REST returns the domain's data), so a client that dropped, renamed or mangled a
// field fails here. WIREBENCH_VARIANTS=a,b limits the variants (default: all).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type AuthorTree,
  type Book,
  type ChatMessage,
  ClientError,
  createClient,
  type LibraryClient,
  type NewBook,
  type Review,
  VARIANTS,
  type Variant,
} from './index.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';

const selected: Variant[] = process.env.WIREBENCH_VARIANTS
  ? (process.env.WIREBENCH_VARIANTS.split(',').map((v) => v.trim()) as Variant[])
  : [...VARIANTS];
for (const v of selected) {
  if (!(VARIANTS as readonly string[]).includes(v)) throw new Error(`unknown variant ${v}`);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** REST JSON to domain shape: camelCase keys. */
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

/** Copies and sorts nothing: clients must return lists in server order. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
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

function isbnFor(n: number): string {
  const first12 = `979${String(n).padStart(9, '0')}`;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3);
  return `${first12}${(10 - (sum % 10)) % 10}`;
}

async function collect<T>(
  iterable: AsyncIterable<T>,
  limit = Number.POSITIVE_INFINITY,
): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) {
    out.push(item);
    if (out.length >= limit) break;
  }
  return out;
}

describe('client contract', () => {
  let server: ServerProcess;
  let rest: (path: string) => Promise<Json>;

  before(async () => {
    server = await startServerProcess({ scale: 'small', seed: 42 });
    rest = async (path) => {
      const res = await fetch(`${server.endpoints.http}${path}`);
      assert.equal(res.status, 200, `reference GET ${path}`);
      return camel((await res.json()) as Json);
    };
  });
  after(async () => {
    await server?.stop();
  });

  selected.forEach((variant, index) => {
    describe(variant, () => {
      let client: LibraryClient;
      const field = async (path: string, name: string) =>
        ((await rest(path)) as Record<string, Json>)[name];

      before(() => {
        client = createClient(variant, server.endpoints);
      });
      after(async () => {
        await client?.close();
      });

      it('reads one book', async () => {
        assert.deepEqual(plain(await client.getBook(7)), await rest('/v1/books/7'));
      });

      it('pages through books with a filter, seeing every book once', async () => {
        const seen: Book[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await client.listBooks({ pageSize: 13, genre: 'fantasy', cursor });
          seen.push(...page.items);
          cursor = page.nextCursor;
          pages++;
        } while (cursor && pages < 100);
        const want = ((await field('/v1/catalog', 'books')) as unknown as Book[]).filter(
          (b) => b.genre === 'fantasy',
        );
        assert.ok(pages > 1, 'more than one page');
        assert.deepEqual(plain(seen), want);
      });

      for (const strategy of ['naive', 'batched'] as const) {
        it(`reads the author tree (${strategy})`, async () => {
          const tree: AuthorTree[] = await client.authorTree(
            { authors: 5, reviewsPerBook: 2 },
            strategy,
          );
          const want = await field(
            '/v1/authors?page_size=5&include=books.reviews&reviews_per_book=2',
            'authors',
          );
          assert.equal(tree.length, 5);
          assert.deepEqual(plain(tree), want);
        });
      }

      it('exports the catalog as one response', async () => {
        const books = await client.exportCatalog();
        assert.equal(books.length, 200);
        assert.deepEqual(plain(books), await field('/v1/catalog', 'books'));
      });

      it('streams the catalog in chunks, or says it cannot', async () => {
        let chunks: Book[][];
        try {
          chunks = await collect(client.streamCatalog());
        } catch (err) {
          assert.ok(err instanceof ClientError && err.code === 'unimplemented', String(err));
          assert.equal(variant, 'graphql', 'only GraphQL lacks a streamed export');
          return;
        }
        assert.ok(chunks.length > 1, 'more than one chunk');
        assert.deepEqual(plain(chunks.flat()), await field('/v1/catalog', 'books'));
      });

      it('creates, patches and deletes a book', async () => {
        const input: NewBook = {
          authorId: 3,
          title: `Contract ${variant}`,
          isbn: isbnFor(1000 + index),
          genre: 'poetry',
          tags: ['a', 'b'],
          priceCents: 1234,
          pages: 99,
          publishedAt: '2023-03-04T05:06:07.000Z',
          description: 'made by the contract suite',
        };
        const created = await client.createBook(input);
        assert.deepEqual(plain({ ...created, id: 0 }), { ...input, id: 0 });
        assert.deepEqual(plain(await client.getBook(created.id)), plain(created));
        const updated = await client.updateBook(created.id, { priceCents: 0, tags: [] });
        assert.deepEqual(plain(updated), { ...plain(created), priceCents: 0, tags: [] });
        assert.deepEqual(await rest(`/v1/books/${created.id}`), plain(updated));
        await client.deleteBook(created.id);
        await expectClientError(client.getBook(created.id), 'not_found');
        await expectClientError(client.deleteBook(created.id), 'not_found');
      });

      it('maps errors to canonical codes with field violations', async () => {
        await expectClientError(client.getBook(987_654), 'not_found');
        const bad = await expectClientError(
          client.createBook({
            authorId: 1,
            title: '',
            isbn: isbnFor(2000 + index),
            genre: 'science',
            tags: [],
            priceCents: -1,
            pages: 10,
            publishedAt: '2020-01-01T00:00:00.000Z',
            description: '',
          }),
          'invalid_argument',
        );
        const fields = bad.fieldViolations.map((v) => v.field);
        assert.ok(
          fields.some((f) => /title$/.test(f)),
          `title violation in ${fields}`,
        );
        assert.ok(
          fields.some((f) => /price_?cents$/i.test(f)),
          `price violation in ${fields}`,
        );
        const existing = await client.getBook(1);
        const { id: _id, ...copy } = existing;
        await expectClientError(client.createBook(copy), 'already_exists');
      });

      it('delivers a new review to a watcher', async () => {
        const bookId = 150 + index;
        const watch = client.watchReviews({ bookId });
        try {
          await watch.ready;
          const first = collect(watch, 1);
          const created: Review = await client.createReview({
            bookId,
            reviewer: variant,
            rating: 4,
            body: 'watched',
          });
          assert.deepEqual(plain((await first)[0]), plain(created));
        } finally {
          watch.cancel();
        }
      });

      it('imports reviews all or nothing', async () => {
        const bookId = 170 + index;
        const before = (await field(`/v1/books/${bookId}/reviews?limit=20`, 'reviews')) as Json[];
        const good = { bookId, reviewer: 'importer', rating: 5, body: 'good' };
        await expectClientError(
          client.importReviews([good, { ...good, rating: 0 }, good]),
          'invalid_argument',
        );
        assert.deepEqual(
          await field(`/v1/books/${bookId}/reviews?limit=20`, 'reviews'),
          before,
          'nothing written',
        );
        async function* generate() {
          yield good;
          yield { ...good, body: 'second' };
        }
        assert.equal(await client.importReviews(generate()), 2);
        const after = (await field(`/v1/books/${bookId}/reviews?limit=20`, 'reviews')) as Json[];
        assert.equal(after.length, Math.min(20, before.length + 2));
      });

      it('chats in a room, or says why it cannot', async () => {
        const room = `room-${index}`;
        if (!client.capabilities.bidi.supported) {
          assert.ok(client.capabilities.bidi.reason.length > 10, 'the reason is stated');
          const session = client.chat(room);
          await expectClientError(session.ready, 'unimplemented');
          await session.close();
          return;
        }
        const a = client.chat(room);
        const b = client.chat(room);
        try {
          await Promise.all([a.ready, b.ready]);
          const itA = a.messages[Symbol.asyncIterator]();
          const itB = b.messages[Symbol.asyncIterator]();
          const next = async (it: AsyncIterator<ChatMessage>) => {
            const r = await it.next();
            assert.equal(r.done, false, 'the stream is still open');
            return [r.value.room, r.value.sender, r.value.text];
          };
          // One message at a time: two senders on two connections have no defined order.
          await a.send('ana', 'hello');
          assert.deepEqual(await next(itA), [room, 'ana', 'hello']);
          assert.deepEqual(await next(itB), [room, 'ana', 'hello']);
          await b.send('bo', 'hi');
          assert.deepEqual(await next(itA), [room, 'bo', 'hi']);
          assert.deepEqual(await next(itB), [room, 'bo', 'hi']);
        } finally {
          await Promise.all([a.close(), b.close()]);
        }
      });
    });
  });
});

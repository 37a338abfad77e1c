import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent, type Dispatcher } from 'undici';
import {
  type ChatMessage,
  ClientError,
  type LibraryClient,
  type NewBook,
  type Review,
} from '../contract.ts';
import { type ServerProcess, startServerProcess } from '../server-process.ts';
import { fromGraphQLErrors } from './errors.ts';
import { createGraphQLClient, STREAM_CATALOG_UNSUPPORTED } from './index.ts';
import { fromGqlGenre, toGqlBookPatch, toGqlGenre } from './wire.ts';

function isbnFor(n: number): string {
  const first12 = `978${String(n).padStart(9, '1')}`;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3);
  return `${first12}${(10 - (sum % 10)) % 10}`;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<ClientError> {
  const err = await promise.then(
    () => assert.fail(`expected ${code}, the call succeeded`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ClientError, `expected a ClientError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  return err;
}

const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('GraphQL client units', () => {
  test('genres are UPPER_SNAKE on the wire', () => {
    assert.equal(toGqlGenre('non_fiction'), 'NON_FICTION');
    assert.equal(fromGqlGenre('FICTION'), 'fiction');
  });

  test('an update input names only the fields of the patch', () => {
    assert.deepEqual(toGqlBookPatch({ authorId: 4, genre: 'poetry' }), {
      authorId: '4',
      genre: 'POETRY',
    });
  });

  test('extensions become a snake_case code and domain-named violations', () => {
    const err = fromGraphQLErrors([
      {
        message: 'invalid argument',
        extensions: {
          code: 'INVALID_ARGUMENT',
          fieldViolations: [
            { field: 'input.priceCents', description: 'too small' },
            { field: 'first', description: 'too big' },
            { field: 'reviews[2].rating', description: 'out of range' },
          ],
        },
      },
    ]);
    assert.equal(err.code, 'invalid_argument');
    assert.deepEqual(
      err.fieldViolations.map((v) => v.field),
      ['priceCents', 'pageSize', 'reviews[2].rating'],
    );
    assert.equal(
      fromGraphQLErrors([{ message: 'x', extensions: { code: 'ALREADY_EXISTS' } }]).code,
      'already_exists',
    );
    assert.equal(
      fromGraphQLErrors([
        { message: 'bad query', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
      ]).code,
      'invalid_argument',
    );
  });
});

describe('GraphQL client against a server', { timeout: 60_000 }, () => {
  let server: ServerProcess;
  let client: LibraryClient;
  let reference: (path: string) => Promise<Record<string, unknown>>;

  before(async () => {
    // The whole server: REST is the independent reference for the data.
    server = await startServerProcess({ scale: 'small', seed: 42 });
    client = createGraphQLClient(server.endpoints);
    reference = async (path) => {
      const res = await fetch(`${server.endpoints.http}${path}`);
      assert.equal(res.status, 200);
      return (await res.json()) as Record<string, unknown>;
    };
  });
  after(async () => {
    await client?.close();
    await server?.stop();
  });

  test('declares its call modes and why streamCatalog is n/a', () => {
    assert.equal(client.variant, 'graphql');
    for (const mode of ['unary', 'serverStream', 'clientStream', 'bidi'] as const) {
      assert.equal(client.capabilities[mode].supported, true, mode);
    }
    assert.equal(STREAM_CATALOG_UNSUPPORTED.supported, false);
    assert.match(STREAM_CATALOG_UNSUPPORTED.reason, /@stream/);
  });

  test('getBook turns ID strings and enum values into the domain book', async () => {
    const wire = await reference('/v1/books/7');
    assert.deepEqual(plain(await client.getBook(7)), {
      id: wire.id,
      authorId: wire.author_id,
      title: wire.title,
      isbn: wire.isbn,
      genre: wire.genre,
      tags: wire.tags,
      priceCents: wire.price_cents,
      pages: wire.pages,
      publishedAt: wire.published_at,
      description: wire.description,
    });
  });

  test('listBooks follows endCursor and filters by genre and author', async () => {
    const all = [];
    let cursor: string | undefined;
    do {
      const page = await client.listBooks({ pageSize: 2, authorId: 1, cursor });
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const wire = (await reference('/v1/authors/1/books')).books as { id: number }[];
    assert.deepEqual(
      all.map((b) => b.id),
      wire.map((b) => b.id),
    );
    const fantasy = await client.listBooks({ pageSize: 100, genre: 'fantasy' });
    assert.ok(fantasy.items.length > 0);
    assert.ok(fantasy.items.every((b) => b.genre === 'fantasy'));
    const bad = await expectCode(client.listBooks({ pageSize: 0 }), 'invalid_argument');
    assert.deepEqual(
      bad.fieldViolations.map((v) => v.field),
      ['pageSize'],
    );
  });

  test('creates, patches only the given fields, deletes', async () => {
    const input: NewBook = {
      authorId: 2,
      title: 'GraphQL spec',
      isbn: isbnFor(1),
      genre: 'non_fiction',
      tags: ['x'],
      priceCents: 700,
      pages: 33,
      publishedAt: '2022-02-02T02:02:02.000Z',
      description: 'from the GraphQL client spec',
    };
    const created = await client.createBook(input);
    assert.deepEqual(plain({ ...created, id: 0 }), { ...input, id: 0 });
    const updated = await client.updateBook(created.id, { genre: 'fiction', pages: 34 });
    assert.deepEqual(plain(updated), { ...plain(created), genre: 'fiction', pages: 34 });
    await client.deleteBook(created.id);
    await expectCode(client.getBook(created.id), 'not_found');
    await expectCode(client.deleteBook(created.id), 'not_found');
  });

  test('maps error extensions to codes and violations', async () => {
    await expectCode(client.getBook(987_654), 'not_found');
    const existing = await client.getBook(1);
    const { id: _id, ...copy } = existing;
    await expectCode(client.createBook(copy), 'already_exists');
    const bad = await expectCode(
      client.createBook({ ...copy, isbn: isbnFor(2), title: '', priceCents: -1 }),
      'invalid_argument',
    );
    assert.deepEqual(bad.fieldViolations.map((v) => v.field).sort(), ['priceCents', 'title']);
  });

  test('the naive tree is one query to /graphql-naive and equals the batched one', async () => {
    const requests: string[] = [];
    const agent = new Agent();
    const recording = agent.compose((dispatch: Dispatcher['dispatch']) => (opts, handler) => {
      requests.push(`${opts.method} ${opts.path}`);
      return dispatch(opts, handler);
    });
    const counted = createGraphQLClient(server.endpoints, { dispatcher: recording });
    try {
      const naive = await counted.authorTree({ authors: 4, reviewsPerBook: 2 }, 'naive');
      const batched = await counted.authorTree({ authors: 4, reviewsPerBook: 2 }, 'batched');
      assert.deepEqual(requests, ['POST /graphql-naive', 'POST /graphql']);
      assert.equal(naive.length, 4);
      assert.deepEqual(plain(naive), plain(batched));
      const want = await reference(
        '/v1/authors?page_size=4&include=books.reviews&reviews_per_book=2',
      );
      assert.deepEqual(
        naive.map((a) => a.books.map((b) => [b.id, b.reviews.map((r) => r.id)])),
        (want.authors as { books: { id: number; reviews: { id: number }[] }[] }[]).map((a) =>
          a.books.map((b) => [b.id, b.reviews.map((r) => r.id)]),
        ),
      );
    } finally {
      await counted.close();
      await agent.close();
    }
  });

  test('exportCatalog is the catalog query; streamCatalog is unimplemented', async () => {
    const books = await client.exportCatalog();
    assert.equal(books.length, 200);
    const wire = (await reference('/v1/catalog')).books as { id: number }[];
    assert.deepEqual(
      books.map((b) => b.id),
      wire.map((b) => b.id),
    );
    const iterator = client.streamCatalog()[Symbol.asyncIterator]();
    await expectCode(iterator.next(), 'unimplemented');
  });

  test('watchReviews delivers reviews of its book created after ready, and cancel ends it', async () => {
    const watch = client.watchReviews({ bookId: 40 });
    await watch.ready;
    await client.createReview({ bookId: 41, reviewer: 'other', rating: 1, body: '' });
    const created = await client.createReview({
      bookId: 40,
      reviewer: 'watcher',
      rating: 5,
      body: 'seen',
    });
    const seen: Review[] = [];
    for await (const review of watch) {
      seen.push(review);
      watch.cancel();
    }
    assert.deepEqual(plain(seen), [plain(created)]);
  });

  test('watching an unknown book ends the stream with not_found', async () => {
    const watch = client.watchReviews({ bookId: 999_999 });
    const iterator = watch[Symbol.asyncIterator]();
    await expectCode(iterator.next(), 'not_found');
  });

  test('importReviews sends one mutation with the whole list, all or nothing', async () => {
    const bookId = 50;
    const count = async () =>
      ((await reference(`/v1/books/${bookId}/reviews?limit=20`)).reviews as unknown[]).length;
    const before = await count();
    const good = { bookId, reviewer: 'importer', rating: 4, body: 'ok' };
    const bad = await expectCode(
      client.importReviews([good, { ...good, rating: 0 }]),
      'invalid_argument',
    );
    assert.deepEqual(
      bad.fieldViolations.map((v) => v.field),
      ['reviews[1].rating'],
    );
    assert.equal(await count(), before, 'nothing written');
    async function* generate() {
      for (let i = 0; i < 3; i++) yield { ...good, body: `line ${i}` };
    }
    assert.equal(await client.importReviews(generate()), 3);
    assert.equal(await count(), Math.min(20, before + 3));
  });

  test('two chat sessions see each other; a bad message is refused by its mutation', async () => {
    const a = client.chat('graphql-spec');
    const b = client.chat('graphql-spec');
    try {
      await Promise.all([a.ready, b.ready]);
      const inA = a.messages[Symbol.asyncIterator]();
      const inB = b.messages[Symbol.asyncIterator]();
      const next = async (it: AsyncIterator<ChatMessage>) => {
        const { value, done } = await it.next();
        assert.equal(done, false);
        return [value.room, value.sender, value.text];
      };
      await a.send('ana', 'hello');
      assert.deepEqual(await next(inA), ['graphql-spec', 'ana', 'hello']);
      assert.deepEqual(await next(inB), ['graphql-spec', 'ana', 'hello']);
      const bad = await expectCode(b.send('bo', ''), 'invalid_argument');
      assert.deepEqual(
        bad.fieldViolations.map((v) => v.field),
        ['text'],
      );
      await b.send('bo', 'hi');
      assert.deepEqual(await next(inA), ['graphql-spec', 'bo', 'hi']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('a room name the server refuses ends the message stream with invalid_argument', async () => {
    const session = client.chat('No Spaces');
    const err = await expectCode(
      session.messages[Symbol.asyncIterator]().next(),
      'invalid_argument',
    );
    assert.deepEqual(
      err.fieldViolations.map((v) => v.field),
      ['room'],
    );
    await session.close();
  });

  test('close() ends open subscriptions and chat sessions', async () => {
    const own = createGraphQLClient(server.endpoints);
    const watch = own.watchReviews();
    const chat = own.chat('closing');
    await Promise.all([watch.ready, chat.ready]);
    const drained = (async () => {
      const got: Review[] = [];
      for await (const r of watch) got.push(r);
      return got;
    })();
    await own.close();
    assert.deepEqual(await drained, []);
    const next = await chat.messages[Symbol.asyncIterator]().next();
    assert.equal(next.done, true);
  });
});

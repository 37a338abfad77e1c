import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent, type Dispatcher } from 'undici';
import { ClientError, type LibraryClient, type NewBook, type Review } from '../contract.ts';
import { type ServerProcess, startServerProcess } from '../server-process.ts';
import { createRestClient } from './index.ts';
import { readNdjsonBatches } from './ndjson.ts';
import { fromWireFieldPath, toWireBookPatch } from './wire.ts';

function isbnFor(n: number): string {
  const first12 = `978${String(n).padStart(9, '0')}`;
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

describe('REST client units', () => {
  test('a patch body carries only the fields present, in wire names', () => {
    assert.deepEqual(toWireBookPatch({ priceCents: 0, tags: [] }), { price_cents: 0, tags: [] });
    assert.deepEqual(toWireBookPatch({}), {});
  });

  test('violation fields come back in domain names', () => {
    assert.equal(fromWireFieldPath('price_cents'), 'priceCents');
    assert.equal(fromWireFieldPath('tags[2]'), 'tags[2]');
    assert.equal(fromWireFieldPath('page_token'), 'cursor');
    assert.equal(fromWireFieldPath(''), '');
  });

  test('NDJSON batches follow the network chunks, across split lines and characters', async () => {
    const text = '{"a":"é"}\n{"a":"b"}\n\n{"a":"c"}';
    const bytes = new TextEncoder().encode(text);
    // Cut inside the two-byte é and inside the second line.
    async function* chunks() {
      yield bytes.subarray(0, 7);
      yield bytes.subarray(7, 15);
      yield bytes.subarray(15);
    }
    const batches = [];
    for await (const batch of readNdjsonBatches(chunks(), (l) => JSON.parse(l) as { a: string })) {
      batches.push(batch);
    }
    // The last line has no line break: it comes once the body ends.
    assert.deepEqual(batches, [[{ a: 'é' }], [{ a: 'b' }], [{ a: 'c' }]]);
  });
});

describe('REST client against a server', { timeout: 60_000 }, () => {
  let server: ServerProcess;
  let client: LibraryClient;
  let reference: (path: string) => Promise<Record<string, unknown>>;

  before(async () => {
    server = await startServerProcess({ scale: 'small', seed: 42, only: 'rest' });
    client = createRestClient(server.endpoints);
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

  test('declares every call mode', () => {
    assert.equal(client.variant, 'rest');
    for (const mode of ['unary', 'serverStream', 'clientStream', 'bidi'] as const) {
      assert.equal(client.capabilities[mode].supported, true, mode);
    }
  });

  test('getBook maps the snake_case JSON to the domain book', async () => {
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

  test('listBooks pages with page_token and filters by genre and author', async () => {
    const first = await client.listBooks({ pageSize: 2, authorId: 1 });
    assert.equal(first.items.length, 2);
    assert.ok(first.nextCursor);
    const all = [...first.items];
    let cursor: string | undefined = first.nextCursor;
    while (cursor) {
      const page = await client.listBooks({ pageSize: 2, authorId: 1, cursor });
      all.push(...page.items);
      cursor = page.nextCursor;
    }
    const wire = (await reference('/v1/authors/1/books')).books as { id: number }[];
    assert.deepEqual(
      all.map((b) => b.id),
      wire.map((b) => b.id),
    );
    const poetry = await client.listBooks({ pageSize: 100, genre: 'poetry' });
    assert.ok(poetry.items.length > 0);
    assert.ok(poetry.items.every((b) => b.genre === 'poetry'));
    const bad = await expectCode(client.listBooks({ pageSize: 0 }), 'invalid_argument');
    assert.deepEqual(
      bad.fieldViolations.map((v) => v.field),
      ['pageSize'],
    );
  });

  test('creates, patches only the given fields, deletes', async () => {
    const input: NewBook = {
      authorId: 2,
      title: 'REST spec',
      isbn: isbnFor(1),
      genre: 'science',
      tags: ['x'],
      priceCents: 500,
      pages: 12,
      publishedAt: '2022-02-02T02:02:02.000Z',
      description: 'from the REST client spec',
    };
    const created = await client.createBook(input);
    assert.deepEqual(plain({ ...created, id: 0 }), { ...input, id: 0 });
    const updated = await client.updateBook(created.id, { title: 'renamed', tags: [] });
    assert.deepEqual(plain(updated), { ...plain(created), title: 'renamed', tags: [] });
    await client.deleteBook(created.id);
    await expectCode(client.getBook(created.id), 'not_found');
    await expectCode(client.deleteBook(created.id), 'not_found');
    await expectCode(client.updateBook(created.id, { title: 'gone' }), 'not_found');
  });

  test('maps problem+json to codes and violations in domain names', async () => {
    const missing = await expectCode(client.getBook(987_654), 'not_found');
    assert.match(missing.message, /987654/);
    const existing = await client.getBook(1);
    const { id: _id, ...copy } = existing;
    await expectCode(client.createBook(copy), 'already_exists');
    const bad = await expectCode(
      client.createBook({ ...copy, isbn: isbnFor(2), title: '', priceCents: -1 }),
      'invalid_argument',
    );
    assert.deepEqual(bad.fieldViolations.map((v) => v.field).sort(), ['priceCents', 'title']);
  });

  test('the naive tree makes one request per author and per book, and equals the expanded one', async () => {
    const paths: string[] = [];
    const agent = new Agent();
    const recording = agent.compose((dispatch: Dispatcher['dispatch']) => (opts, handler) => {
      paths.push(opts.path);
      return dispatch(opts, handler);
    });
    const counted = createRestClient(server.endpoints, { dispatcher: recording });
    try {
      const naive = await counted.authorTree({ authors: 4, reviewsPerBook: 2 }, 'naive');
      const books = naive.flatMap((a) => a.books);
      assert.equal(paths.length, 1 + 4 + books.length);
      assert.equal(paths[0], '/v1/authors?page_size=4');
      assert.equal(paths.filter((p) => /^\/v1\/authors\/\d+\/books$/.test(p)).length, 4);
      assert.equal(
        paths.filter((p) => /^\/v1\/books\/\d+\/reviews\?limit=2$/.test(p)).length,
        books.length,
      );

      paths.length = 0;
      const batched = await counted.authorTree({ authors: 4, reviewsPerBook: 2 }, 'batched');
      assert.deepEqual(paths, ['/v1/authors?page_size=4&include=books.reviews&reviews_per_book=2']);
      assert.deepEqual(plain(naive), plain(batched));
      assert.ok(
        books.some((b) => b.reviews.length === 2),
        'some book has reviews',
      );
    } finally {
      await counted.close();
      await agent.close();
    }
  });

  test('streamCatalog yields the same books as exportCatalog, in several chunks', async () => {
    const whole = await client.exportCatalog();
    assert.equal(whole.length, 200);
    const chunks = [];
    for await (const chunk of client.streamCatalog()) chunks.push(chunk);
    assert.ok(chunks.length > 1, `${chunks.length} chunks`);
    assert.deepEqual(plain(chunks.flat()), plain(whole));
  });

  test('stopping a catalog stream early leaves the client usable', async () => {
    for await (const chunk of client.streamCatalog()) {
      assert.ok(chunk.length > 0);
      break;
    }
    assert.equal((await client.getBook(3)).id, 3);
  });

  test('watchReviews delivers reviews of its book created after ready, and cancel ends it', async () => {
    const watch = client.watchReviews({ bookId: 20 });
    await watch.ready;
    await client.createReview({ bookId: 21, reviewer: 'other', rating: 1, body: '' });
    const created = await client.createReview({
      bookId: 20,
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

  test('createReview validates its input', async () => {
    const bad = await expectCode(
      client.createReview({ bookId: 20, reviewer: 'x', rating: 6, body: '' }),
      'invalid_argument',
    );
    assert.deepEqual(
      bad.fieldViolations.map((v) => v.field),
      ['rating'],
    );
    await expectCode(
      client.createReview({ bookId: 999_999, reviewer: 'x', rating: 3, body: '' }),
      'not_found',
    );
  });

  test('importReviews streams an iterable and is all or nothing', async () => {
    const bookId = 30;
    const count = async () =>
      ((await reference(`/v1/books/${bookId}/reviews?limit=20`)).reviews as unknown[]).length;
    const before = await count();
    const good = { bookId, reviewer: 'importer', rating: 4, body: 'ok' };
    const bad = await expectCode(
      client.importReviews([good, { ...good, rating: 0 }, { ...good, bookId: 999_999 }]),
      'invalid_argument',
    );
    assert.deepEqual(
      bad.fieldViolations.map((v) => v.field),
      ['reviews[1].rating', 'reviews[2].bookId'],
    );
    assert.equal(await count(), before, 'nothing written');

    const watch = client.watchReviews({ bookId });
    await watch.ready;
    async function* generate() {
      for (let i = 0; i < 3; i++) yield { ...good, body: `line ${i}` };
    }
    assert.equal(await client.importReviews(generate()), 3);
    const seen: string[] = [];
    for await (const review of watch) {
      seen.push(review.body);
      if (seen.length === 3) watch.cancel();
    }
    assert.deepEqual(seen, ['line 0', 'line 1', 'line 2']);
    assert.equal(await count(), Math.min(20, before + 3));
  });

  test('two chat sessions see each other, and a bad frame ends the stream with its error', async () => {
    const a = client.chat('rest-spec');
    const b = client.chat('rest-spec');
    try {
      await Promise.all([a.ready, b.ready]);
      const inA = a.messages[Symbol.asyncIterator]();
      const inB = b.messages[Symbol.asyncIterator]();
      await a.send('ana', 'hello');
      for (const it of [inA, inB]) {
        const { value } = await it.next();
        assert.deepEqual([value?.room, value?.sender, value?.text], ['rest-spec', 'ana', 'hello']);
        assert.match(value?.sentAt ?? '', /^\d{4}-\d\d-\d\dT/);
      }
      await b.send('bo', '');
      const err = await inB.next().then(
        () => assert.fail('expected an error frame'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ClientError);
      assert.equal(err.code, 'invalid_argument');
      assert.deepEqual(
        err.fieldViolations.map((v) => v.field),
        ['text'],
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('a room name the server refuses fails ready with invalid_argument', async () => {
    const session = client.chat('No Spaces');
    await expectCode(session.ready, 'invalid_argument');
    await session.close();
  });

  test('cancel() ends busy event streams and close() then returns', {
    timeout: 30_000,
  }, async () => {
    // Ten subscribers and a few thousand events: once, the streams kept reading after cancel()
    // and close() waited on their connections for ever.
    const own = createRestClient(server.endpoints);
    const subs = Array.from({ length: 10 }, () => own.watchReviews());
    await Promise.all(subs.map((s) => s.ready));
    const counts = subs.map(async (s) => {
      let n = 0;
      for await (const _ of s) n++;
      return n;
    });
    const bookId = (await client.listBooks({ pageSize: 1 })).items[0]?.id ?? 1;
    await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        own.createReview({ bookId, reviewer: 'publisher', rating: 5, body: `burst ${i}` }),
      ),
    );
    for (const s of subs) s.cancel();
    const received = await Promise.all(counts);
    assert.ok(
      received.every((n) => n <= 400),
      JSON.stringify(received),
    );
    await own.close();
  });

  test('close() ends open subscriptions and chat sessions', async () => {
    const own = createRestClient(server.endpoints);
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

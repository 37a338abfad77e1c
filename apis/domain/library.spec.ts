import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  countQueries,
  countQueriesAsync,
  DomainError,
  generateDataset,
  isValidIsbn13,
  Library,
  type NewBook,
  withIsbnCheckDigit,
} from './index.ts';

function digest(library: Library): string {
  const h = createHash('sha256');
  for (const table of ['authors', 'books', 'reviews']) {
    for (const row of library.store.db.prepare(`SELECT * FROM ${table} ORDER BY id`).all()) {
      h.update(JSON.stringify(row));
    }
  }
  return h.digest('hex');
}

function expectCode(fn: () => unknown, code: string): DomainError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DomainError, `expected DomainError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}, nothing was thrown`);
}

const newBook = (overrides: Partial<NewBook> = {}): NewBook => ({
  authorId: 1,
  title: 'A Test Book',
  isbn: withIsbnCheckDigit('979000000001'),
  genre: 'science',
  tags: ['debut'],
  priceCents: 1999,
  pages: 320,
  publishedAt: '2024-05-01T00:00:00.000Z',
  description: 'x'.repeat(100),
  ...overrides,
});

describe('dataset', () => {
  it('is byte-identical for the same seed and scale, and differs for another seed', () => {
    const a = Library.open({ seed: 7, scale: 'small' });
    const b = Library.open({ seed: 7, scale: 'small' });
    const c = Library.open({ seed: 8, scale: 'small' });
    try {
      assert.equal(digest(a), digest(b));
      assert.notEqual(digest(a), digest(c));
    } finally {
      a.close();
      b.close();
      c.close();
    }
  });

  it('has the documented counts and only valid, unique ISBNs', () => {
    const data = generateDataset(42, 'default');
    assert.equal(data.authors.length, 200);
    assert.equal(data.books.length, 2000);
    assert.equal(data.reviews.length, 10000);
    assert.ok(data.books.every((b) => isValidIsbn13(b.isbn)));
    assert.equal(new Set(data.books.map((b) => b.isbn)).size, data.books.length);
    const descriptionBytes =
      data.books.reduce((n, b) => n + b.description.length, 0) / data.books.length;
    assert.ok(
      descriptionBytes > 800 && descriptionBytes < 1300,
      `mean description ${descriptionBytes}`,
    );
  });
});

describe('validation', () => {
  it('checks the ISBN-13 check digit', () => {
    assert.equal(isValidIsbn13('9780306406157'), true);
    assert.equal(isValidIsbn13('9780306406158'), false);
    assert.equal(isValidIsbn13('978030640615'), false);
  });

  it('accepts only real RFC 3339 instants and stores them in UTC', () => {
    const library = Library.open({ scale: 0.01 });
    try {
      expectCode(
        () => library.createBook(newBook({ publishedAt: '2024-02-30T00:00:00Z' })),
        'invalid_argument',
      );
      expectCode(
        () => library.createBook(newBook({ publishedAt: '2024-05-01' })),
        'invalid_argument',
      );
      const book = library.createBook(newBook({ publishedAt: '2024-05-01T02:00:00+02:00' }));
      assert.equal(book.publishedAt, '2024-05-01T00:00:00.000Z');
      assert.equal(library.getBook(book.id).publishedAt, '2024-05-01T00:00:00.000Z');
    } finally {
      library.close();
    }
  });
});

describe('library', () => {
  let library: Library;
  before(() => {
    library = Library.open({ scale: 'small', now: () => new Date('2026-01-01T00:00:00.000Z') });
  });
  after(() => library.close());

  it('creates, reads, patches and deletes a book', () => {
    const created = library.createBook(newBook());
    assert.deepEqual(library.getBook(created.id), created);
    const updated = library.updateBook(created.id, { priceCents: 0, tags: [] });
    assert.equal(updated.priceCents, 0);
    assert.deepEqual(updated.tags, []);
    assert.equal(updated.title, created.title, 'fields absent from the patch are unchanged');
    library.deleteBook(created.id);
    expectCode(() => library.getBook(created.id), 'not_found');
    expectCode(() => library.deleteBook(created.id), 'not_found');
  });

  it('rejects bad books with field violations and duplicate ISBNs with already_exists', () => {
    const err = expectCode(
      () => library.createBook(newBook({ isbn: '9780306406158', title: '', priceCents: -1 })),
      'invalid_argument',
    );
    assert.deepEqual(err.fieldViolations.map((v) => v.field).sort(), [
      'isbn',
      'priceCents',
      'title',
    ]);
    expectCode(() => library.createBook(newBook({ authorId: 9999 })), 'invalid_argument');
    expectCode(
      () => library.createBook(newBook({ isbn: library.getBook(1).isbn })),
      'already_exists',
    );
    expectCode(() => library.updateBook(1, { rating: 3 } as never), 'invalid_argument');
  });

  it('paginates books with filters and rejects page sizes out of bounds', () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = library.listBooks({ pageSize: 7, cursor, genre: 'fiction' });
      assert.ok(page.items.every((b) => b.genre === 'fiction'));
      seen.push(...page.items.map((b) => b.id));
      cursor = page.nextCursor;
    } while (cursor);
    const all = library
      .exportCatalog()
      .filter((b) => b.genre === 'fiction')
      .map((b) => b.id);
    assert.deepEqual(seen, all);
    expectCode(() => library.listBooks({ pageSize: 0 }), 'invalid_argument');
    expectCode(() => library.listBooks({ pageSize: 101 }), 'invalid_argument');
    expectCode(() => library.listBooks({ cursor: 'not-a-cursor' }), 'invalid_argument');
  });

  it('reads the author tree in three queries, the same data as the naive path', () => {
    const { result, queries } = countQueries(() => library.authorTree({ pageSize: 20 }));
    assert.equal(queries, 3);
    const naive = countQueries(() =>
      library.listAuthors({ pageSize: 20 }).items.map((a) => ({
        ...a,
        books: library
          .listAuthorBooks(a.id)
          .map((b) => ({ ...b, reviews: library.listBookReviews(b.id) })),
      })),
    );
    assert.deepEqual(naive.result, result.items);
    const books = result.items.flatMap((a) => a.books);
    const emptyBooks = books.filter((b) => b.reviews.length === 0).length;
    // One query per author and per book, plus an existence check for each book without reviews.
    assert.equal(naive.queries, 1 + 20 + books.length + emptyBooks);
  });

  it('batches DataLoader loads into one query per level, and does not without batching', async () => {
    for (const batch of [true, false]) {
      const loaders = library.createLoaders({ batch });
      const { result, queries } = await countQueriesAsync(async () => {
        const authors = library.listAuthors({ pageSize: 20 }).items;
        const books = (
          await Promise.all(authors.map((a) => loaders.booksByAuthor.load(a.id)))
        ).flat();
        await Promise.all(
          books.map((b) => loaders.latestReviewsByBook.load({ bookId: b.id, limit: 3 })),
        );
        return books.length;
      });
      assert.equal(queries, batch ? 3 : 1 + 20 + result);
    }
  });

  it('imports reviews all-or-nothing, reporting every bad item', () => {
    const before = library.countReviews();
    const good = { bookId: 1, reviewer: 'ana', rating: 5, body: 'great' };
    const err = expectCode(
      () =>
        library.importReviews([good, { ...good, rating: 0 }, good, { ...good, bookId: 99_999 }]),
      'invalid_argument',
    );
    assert.deepEqual(
      err.fieldViolations.map((v) => v.field),
      ['reviews[1].rating'],
      'value errors are reported before existence checks',
    );
    expectCode(
      () => library.importReviews([good, { ...good, bookId: 99_999 }]),
      'invalid_argument',
    );
    assert.equal(library.countReviews(), before, 'nothing written');
    assert.equal(library.importReviews([good, good]).length, 2);
    assert.equal(library.countReviews(), before + 2);
    expectCode(() => library.importReviews(new Array(10_001).fill(good)), 'resource_exhausted');
  });

  it('publishes new reviews and chat messages to subscribers, and lets go on abort', async () => {
    const controller = new AbortController();
    const reviews = library.events.subscribeReviews({ bookId: 2, signal: controller.signal });
    const chat = library.events.subscribeChat('club', { signal: controller.signal });
    assert.equal(library.events.subscriberCount(), 2);
    library.createReview({ bookId: 3, reviewer: 'x', rating: 2, body: '' });
    const created = library.createReview({ bookId: 2, reviewer: 'y', rating: 4, body: 'ok' });
    library.postChatMessage({ room: 'club', sender: 'ana', text: 'hello' });
    assert.deepEqual((await reviews.next()).value, created, 'filtered by book');
    assert.equal((await chat.next()).value?.text, 'hello');
    controller.abort();
    assert.equal((await reviews.next()).done, true);
    assert.equal(library.events.subscriberCount(), 0);
    expectCode(
      () => library.postChatMessage({ room: 'Bad Room', sender: 'a', text: 'b' }),
      'invalid_argument',
    );
  });

  it('disconnects a subscriber that falls too far behind', async () => {
    const sub = library.events.subscribeChat('slow', { highWaterMark: 2 });
    for (let i = 0; i < 3; i++)
      library.postChatMessage({ room: 'slow', sender: 'a', text: `m${i}` });
    await assert.rejects(
      sub.next(),
      (err) => err instanceof DomainError && err.code === 'resource_exhausted',
    );
    assert.equal(library.events.subscriberCount(), 0);
  });

  it('refuses to reuse a database file seeded differently', () => {
    const file = `/tmp/wirebench-spec-${process.pid}.db`;
    const a = Library.open({ file, seed: 1, scale: 0.01 });
    a.close();
    try {
      expectCode(() => Library.open({ file, seed: 2, scale: 0.01 }), 'failed_precondition');
      const again = Library.open({ file, seed: 1, scale: 0.01 });
      assert.equal(again.getBook(1).id, 1);
      again.close();
    } finally {
      for (const suffix of ['', '-wal', '-shm']) {
        rmSync(file + suffix, { force: true });
      }
    }
  });
});

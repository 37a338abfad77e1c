import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Book } from '../domain/index.ts';
import { startTestServer, type TestServer } from './test-server.ts';

const BOOK_FIELDS = 'id authorId title isbn genre tags priceCents pages publishedAt description';

/** A domain book as the schema renders it. */
function toWire(book: Book) {
  return {
    ...book,
    id: String(book.id),
    authorId: String(book.authorId),
    genre: book.genre.toUpperCase(),
  };
}

interface Connection {
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

describe('GraphQL queries', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test('book(id) returns every field as the domain stores it', async () => {
    const res = await server.request<{ book: unknown }>(`{ book(id: "7") { ${BOOK_FIELDS} } }`);
    assert.equal(res.status, 200);
    assert.equal(res.errors, undefined);
    assert.deepEqual(res.data?.book, toWire(server.library.getBook(7)));
  });

  test('book.author and author.books follow the relations', async () => {
    const book = server.library.getBook(7);
    const res = await server.request<{
      book: { author: { id: string; name: string; bornOn: string; books: { id: string }[] } };
    }>('{ book(id: "7") { author { id name bornOn books { id } } } }');
    const author = server.library.getAuthor(book.authorId);
    assert.deepEqual(res.data?.book.author, {
      id: String(author.id),
      name: author.name,
      bornOn: author.bornOn,
      books: server.library.listAuthorBooks(author.id).map((b) => ({ id: String(b.id) })),
    });
  });

  test('books pages through a genre filter without gaps or repeats', async () => {
    const expected = server.library
      .exportCatalog()
      .filter((b) => b.genre === 'fantasy')
      .map((b) => String(b.id));
    assert.ok(expected.length > 14, 'the fixture needs several pages');
    const seen: string[] = [];
    let afterCursor: string | null = null;
    let pages = 0;
    for (;;) {
      const res: { data?: { books: Connection } | null } = await server.request<{
        books: Connection;
      }>(
        `query($after: String) {
          books(first: 7, after: $after, genre: FANTASY) {
            edges { cursor node { id genre } }
            pageInfo { hasNextPage endCursor }
          }
        }`,
        { after: afterCursor },
      );
      const page = res.data?.books;
      assert.ok(page);
      pages++;
      seen.push(...page.edges.map((e) => e.node.id));
      assert.equal(page.pageInfo.endCursor, page.edges.at(-1)?.cursor);
      if (!page.pageInfo.hasNextPage) break;
      afterCursor = page.pageInfo.endCursor;
    }
    assert.deepEqual(seen, expected);
    assert.equal(pages, Math.ceil(expected.length / 7));
  });

  test('an edge cursor resumes right after its node', async () => {
    const first = await server.request<{ books: Connection }>(
      '{ books(first: 5) { edges { cursor node { id } } } }',
    );
    const third = first.data?.books.edges[2];
    assert.ok(third);
    const next = await server.request<{ books: Connection }>(
      'query($after: String) { books(first: 2, after: $after) { edges { node { id } } } }',
      { after: third.cursor },
    );
    assert.deepEqual(
      next.data?.books.edges.map((e) => e.node.id),
      first.data?.books.edges.slice(3, 5).map((e) => e.node.id),
    );
  });

  test('books combines the author and genre filters', async () => {
    const sample = server.library.getBook(3);
    const expected = server.library
      .exportCatalog()
      .filter((b) => b.authorId === sample.authorId && b.genre === sample.genre)
      .map((b) => String(b.id));
    const res = await server.request<{ books: Connection }>(
      `query($author: ID, $genre: Genre) {
        books(first: 100, authorId: $author, genre: $genre) {
          edges { node { id } } pageInfo { hasNextPage }
        }
      }`,
      { author: String(sample.authorId), genre: sample.genre.toUpperCase() },
    );
    assert.deepEqual(
      res.data?.books.edges.map((e) => e.node.id),
      expected,
    );
    assert.equal(res.data?.books.pageInfo.hasNextPage, false);
  });

  test('authors pages through every author in id order', async () => {
    const ids: string[] = [];
    let afterCursor: string | null = null;
    for (;;) {
      const res: { data?: { authors: Connection } | null } = await server.request<{
        authors: Connection;
      }>(
        'query($after: String) { authors(first: 6, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }',
        { after: afterCursor },
      );
      const page = res.data?.authors;
      assert.ok(page);
      ids.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      afterCursor = page.pageInfo.endCursor;
    }
    assert.deepEqual(
      ids,
      Array.from({ length: 20 }, (_, i) => String(i + 1)),
    );
  });

  test('author(id) returns the author with its books', async () => {
    const author = server.library.getAuthor(4);
    const res = await server.request<{ author: Record<string, unknown> }>(
      '{ author(id: "4") { id name country bio bornOn createdAt books { id title } } }',
    );
    assert.deepEqual(res.data?.author, {
      id: '4',
      name: author.name,
      country: author.country,
      bio: author.bio,
      bornOn: author.bornOn,
      createdAt: author.createdAt,
      books: server.library.listAuthorBooks(4).map((b) => ({ id: String(b.id), title: b.title })),
    });
  });

  test('reviews(latest) returns the newest reviews first', async () => {
    const bookId = 11;
    const res = await server.request<{
      book: { five: { id: string }[]; none: unknown[]; byDefault: { id: string }[] };
    }>(
      `{ book(id: "${bookId}") {
        five: reviews(latest: 5) { id }
        none: reviews(latest: 0) { id }
        byDefault: reviews { id }
      } }`,
    );
    const ids = (n: number) =>
      server.library.listBookReviews(bookId, n).map((r) => ({ id: String(r.id) }));
    assert.deepEqual(res.data?.book.five, ids(5));
    assert.deepEqual(res.data?.book.none, []);
    assert.deepEqual(res.data?.book.byDefault, ids(3));
  });

  test('catalog exports every book in id order in one query', async () => {
    const res = await server.request<{ catalog: unknown[] }>(`{ catalog { ${BOOK_FIELDS} } }`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.data?.catalog, server.library.exportCatalog().map(toWire));
    assert.equal(res.data?.catalog.length, 200);
  });
});

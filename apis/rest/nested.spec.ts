import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fetchJson, type StartedServer, startTestServer, storeQueries } from './test-server.ts';
import type { WireAuthor, WireAuthorTree, WireBook, WireReview } from './wire.ts';

describe('the nested read: authors -> books -> latest reviews', () => {
  let srv: StartedServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv.close();
  });

  test('naive endpoints: one author, its books, a book’s latest reviews', async () => {
    const author = await fetchJson(`${srv.base}/v1/authors/2`);
    assert.equal(author.status, 200);
    const a = srv.library.getAuthor(2);
    assert.deepEqual(author.body, {
      id: a.id,
      name: a.name,
      country: a.country,
      bio: a.bio,
      born_on: a.bornOn,
      created_at: a.createdAt,
    });

    const books = await fetchJson(`${srv.base}/v1/authors/2/books`);
    assert.equal(books.status, 200);
    assert.deepEqual(
      (books.body as { books: WireBook[] }).books.map((b) => b.id),
      srv.library.listAuthorBooks(2).map((b) => b.id),
    );

    const reviews = await fetchJson(`${srv.base}/v1/books/1/reviews?limit=5`);
    assert.equal(reviews.status, 200);
    const list = (reviews.body as { reviews: WireReview[] }).reviews;
    assert.deepEqual(
      list.map((r) => r.id),
      srv.library.listBookReviews(1, 5).map((r) => r.id),
    );
    const times = list.map((r) => r.created_at);
    assert.deepEqual(times, [...times].sort().reverse(), 'latest first');

    const byDefault = await fetchJson(`${srv.base}/v1/books/1/reviews`);
    assert.ok((byDefault.body as { reviews: WireReview[] }).reviews.length <= 3);

    const tooMany = await fetchJson(`${srv.base}/v1/books/1/reviews?limit=21`);
    assert.equal(tooMany.status, 400);
    assert.equal((tooMany.body as { code: string }).code, 'invalid_argument');
    const missing = await fetchJson(`${srv.base}/v1/authors/99999/books`);
    assert.equal(missing.status, 404);
    assert.equal((missing.body as { code: string }).code, 'not_found');
  });

  test('authors are paginated', async () => {
    const first = await fetchJson(`${srv.base}/v1/authors?page_size=15`);
    const body = first.body as { authors: WireAuthor[]; next_page_token?: string };
    assert.equal(body.authors.length, 15);
    assert.ok(body.next_page_token);
    const second = await fetchJson(
      `${srv.base}/v1/authors?page_size=15&page_token=${body.next_page_token}`,
    );
    const rest = second.body as { authors: WireAuthor[]; next_page_token?: string };
    assert.deepEqual(
      [...body.authors, ...rest.authors].map((a) => a.id),
      srv.library.listAuthors({ pageSize: 100 }).items.map((a) => a.id),
    );
    assert.equal(rest.next_page_token, undefined);
  });

  test('include=books.reviews returns the same tree as the domain, in 3 store queries', async () => {
    const res = await fetchJson(
      `${srv.base}/v1/authors?include=books.reviews&page_size=20&reviews_per_book=2`,
    );
    assert.equal(res.status, 200);
    assert.equal(storeQueries(res.headers), 3);
    const authors = (res.body as { authors: WireAuthorTree[] }).authors;
    const tree = srv.library.authorTree({ pageSize: 20, reviewsPerBook: 2 }).items;
    assert.equal(authors.length, 20);
    assert.deepEqual(
      authors.map((a) => ({
        id: a.id,
        books: a.books.map((b) => ({ id: b.id, reviews: b.reviews.map((r) => r.id) })),
      })),
      tree.map((a) => ({
        id: a.id,
        books: a.books.map((b) => ({ id: b.id, reviews: b.reviews.map((r) => r.id) })),
      })),
    );
    assert.ok(authors.some((a) => a.books.some((b) => b.reviews.length === 2)));
  });

  test('reviews_per_book without include is invalid_argument', async () => {
    const res = await fetchJson(`${srv.base}/v1/authors?reviews_per_book=2`);
    assert.equal(res.status, 400);
    assert.deepEqual(
      (res.body as { violations: { field: string }[] }).violations.map((v) => v.field),
      ['reviews_per_book'],
    );
  });

  test('x-store-queries shows N+1 for the naive walk and 3 for include', async () => {
    let naive = 0;
    let expected = 0;
    const authors = await fetchJson(`${srv.base}/v1/authors?page_size=20`);
    naive += storeQueries(authors.headers);
    expected += 1;
    for (const author of (authors.body as { authors: WireAuthor[] }).authors) {
      const books = await fetchJson(`${srv.base}/v1/authors/${author.id}/books`);
      naive += storeQueries(books.headers);
      const list = (books.body as { books: WireBook[] }).books;
      // The domain pays a second query only to tell "no books" from "no author".
      expected += list.length === 0 ? 2 : 1;
      for (const book of list) {
        const reviews = await fetchJson(`${srv.base}/v1/books/${book.id}/reviews`);
        naive += storeQueries(reviews.headers);
        expected += (reviews.body as { reviews: WireReview[] }).reviews.length === 0 ? 2 : 1;
      }
    }
    assert.equal(naive, expected);
    assert.ok(naive > 200, `the naive walk made ${naive} queries`);

    const expanded = await fetchJson(`${srv.base}/v1/authors?page_size=20&include=books.reviews`);
    assert.equal(storeQueries(expanded.headers), 3);
  });
});

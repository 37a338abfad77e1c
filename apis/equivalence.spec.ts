// Cross-protocol equivalence: every read operation returns the same domain data over every
// protocol once the wire's naming conventions are normalised away. This is the fairness rule
// "equivalent payloads" made executable: a protocol that returned less would look faster.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Library } from './domain/index.ts';
import { buildHttpServer, type HttpServer } from './http-server.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const ID_FIELDS = new Set(['id', 'authorId', 'bookId']);

/** Wire data to domain data: camelCase keys, numeric ids, lowercase genre names. */
function normalize(value: Json): Json {
  if (Array.isArray(value)) return value.map(normalize);
  if (value === null || typeof value !== 'object') return value;
  const out: { [key: string]: Json } = {};
  for (const [rawKey, raw] of Object.entries(value)) {
    const key = rawKey.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    let v = normalize(raw);
    if (ID_FIELDS.has(key) && typeof v === 'string') v = Number(v);
    if (key === 'genre' && typeof v === 'string') v = v.toLowerCase();
    out[key] = v;
  }
  return out;
}

const BOOK_FIELDS = 'id authorId title isbn genre tags priceCents pages publishedAt description';
const AUTHOR_FIELDS = 'id name country bio bornOn createdAt';
const REVIEW_FIELDS = 'id bookId reviewer rating body createdAt';

/** The read operations of the contract, each as one protocol performs it. */
interface Reader {
  getBook(id: number): Promise<Json>;
  listBooks(pageSize: number, genre: string): Promise<Json>;
  listAuthors(pageSize: number): Promise<Json>;
  authorBooks(authorId: number): Promise<Json>;
  bookReviews(bookId: number): Promise<Json>;
  authorTree(pageSize: number): Promise<Json>;
  catalog(): Promise<Json>;
}

function restReader(base: string): Reader {
  const get = async (path: string): Promise<Json> => {
    const res = await fetch(`${base}${path}`);
    assert.equal(res.status, 200, `GET ${path}`);
    return normalize((await res.json()) as Json);
  };
  const field = async (path: string, name: string) =>
    ((await get(path)) as { [k: string]: Json })[name] as Json;
  return {
    getBook: (id) => get(`/v1/books/${id}`),
    listBooks: (n, genre) => field(`/v1/books?page_size=${n}&genre=${genre}`, 'books'),
    listAuthors: (n) => field(`/v1/authors?page_size=${n}`, 'authors'),
    authorBooks: (id) => field(`/v1/authors/${id}/books`, 'books'),
    bookReviews: (id) => field(`/v1/books/${id}/reviews`, 'reviews'),
    authorTree: (n) => field(`/v1/authors?page_size=${n}&include=books.reviews`, 'authors'),
    catalog: () => field('/v1/catalog', 'books'),
  };
}

function graphqlReader(endpoint: string): Reader {
  const query = async (text: string): Promise<{ [k: string]: Json }> => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: text }),
    });
    const body = (await res.json()) as { data?: { [k: string]: Json }; errors?: unknown };
    assert.equal(res.status, 200);
    assert.equal(body.errors, undefined);
    return normalize(body.data as Json) as { [k: string]: Json };
  };
  const nodes = (connection: Json) =>
    (connection as { edges: { node: Json }[] }).edges.map((e) => e.node);
  return {
    getBook: async (id) => (await query(`{ book(id: ${id}) { ${BOOK_FIELDS} } }`)).book as Json,
    listBooks: async (n, genre) =>
      nodes(
        (
          await query(
            `{ books(first: ${n}, genre: ${genre.toUpperCase()}) { edges { node { ${BOOK_FIELDS} } } } }`,
          )
        ).books as Json,
      ),
    listAuthors: async (n) =>
      nodes(
        (await query(`{ authors(first: ${n}) { edges { node { ${AUTHOR_FIELDS} } } } }`))
          .authors as Json,
      ),
    authorBooks: async (id) =>
      (
        (await query(`{ author(id: ${id}) { books { ${BOOK_FIELDS} } } }`)).author as {
          books: Json;
        }
      ).books,
    bookReviews: async (id) =>
      (
        (await query(`{ book(id: ${id}) { reviews { ${REVIEW_FIELDS} } } }`)).book as {
          reviews: Json;
        }
      ).reviews,
    authorTree: async (n) =>
      nodes(
        (
          await query(
            `{ authors(first: ${n}) { edges { node { ${AUTHOR_FIELDS} books { ${BOOK_FIELDS} reviews { ${REVIEW_FIELDS} } } } } } }`,
          )
        ).authors as Json,
      ),
    catalog: async () => (await query(`{ catalog { ${BOOK_FIELDS} } }`)).catalog as Json,
  };
}

describe('every protocol returns the same domain data for every read', () => {
  let library: Library;
  let http: HttpServer;
  let readers: [string, Reader][];

  before(async () => {
    library = Library.open({ scale: 'small', seed: 11 });
    http = buildHttpServer(library);
    const port = await http.listen(0);
    const base = `http://127.0.0.1:${port}`;
    readers = [
      ['rest', restReader(base)],
      ['graphql', graphqlReader(`${base}/graphql`)],
      ['graphql-naive', graphqlReader(`${base}/graphql-naive`)],
    ];
  });
  after(async () => {
    await http.close();
    library.close();
  });

  const expected = (value: unknown): Json => JSON.parse(JSON.stringify(value)) as Json;

  const cases: [string, (r: Reader) => Promise<Json>, () => unknown][] = [
    ['GetBook', (r) => r.getBook(17), () => library.getBook(17)],
    [
      'ListBooks',
      (r) => r.listBooks(25, 'fantasy'),
      () => library.listBooks({ pageSize: 25, genre: 'fantasy' }).items,
    ],
    ['ListAuthors', (r) => r.listAuthors(15), () => library.listAuthors({ pageSize: 15 }).items],
    ['ListAuthorBooks', (r) => r.authorBooks(3), () => library.listAuthorBooks(3)],
    ['ListBookReviews', (r) => r.bookReviews(5), () => library.listBookReviews(5)],
    ['GetAuthorTree', (r) => r.authorTree(20), () => library.authorTree({ pageSize: 20 }).items],
    ['ExportCatalog', (r) => r.catalog(), () => library.exportCatalog()],
  ];

  for (const [operation, read, truth] of cases) {
    it(operation, async () => {
      const want = expected(truth());
      assert.ok(JSON.stringify(want).length > 100, 'the case reads real data');
      for (const [protocol, reader] of readers) {
        assert.deepEqual(await read(reader), want, `${protocol} ${operation}`);
      }
    });
  }
});

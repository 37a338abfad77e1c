import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Library } from '../domain/index.ts';
import { buildGraphQLServer } from './server.ts';
import { STORE_QUERIES_HEADER } from './store-queries.ts';
import { startTestServer } from './test-server.ts';

const NESTED_READ = `{
  authors(first: 20) {
    edges { node { id books { id reviews { id rating } } } }
  }
}`;

interface NestedRead {
  authors: {
    edges: { node: { id: string; books: { id: string; reviews: { id: string }[] }[] } }[];
  };
}

/** N authors and M books, counted from what the server returned. */
function countNodes(data: NestedRead | null | undefined) {
  const authors = data?.authors.edges.map((e) => e.node) ?? [];
  return { n: authors.length, m: authors.reduce((sum, a) => sum + a.books.length, 0) };
}

describe('GraphQL nested read: DataLoader on and off', () => {
  // One node:http server, two yoga instances dispatched by path, as the composition serves them.
  let library: Library;
  let server: Server;
  let base: string;

  before(async () => {
    library = Library.open({ scale: 'small' });
    const batched = buildGraphQLServer(library, { dataloader: true, logging: false });
    const naive = buildGraphQLServer(library, {
      dataloader: false,
      graphqlEndpoint: '/graphql-naive',
      logging: false,
    });
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path === '/graphql') batched(req, res);
      else if (path === '/graphql-naive') naive(req, res);
      else res.writeHead(404).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
    library.close();
  });

  async function read(path: string) {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: NESTED_READ }),
    });
    const body = (await response.json()) as { data?: NestedRead; errors?: unknown[] };
    assert.equal(response.status, 200);
    assert.equal(body.errors, undefined);
    return { data: body.data, queries: Number(response.headers.get(STORE_QUERIES_HEADER)) };
  }

  test('with DataLoader, 20 authors -> books -> reviews take at most 3 store queries', async () => {
    const { data, queries } = await read('/graphql');
    const { n, m } = countNodes(data);
    assert.equal(n, 20);
    assert.ok(m > n, 'every author has books in the fixture');
    assert.ok(queries >= 1 && queries <= 3, `${queries} queries`);
    assert.equal(queries, 3);
  });

  test('without DataLoader the same read takes exactly 1 + N + M store queries', async () => {
    const { data, queries } = await read('/graphql-naive');
    const { n, m } = countNodes(data);
    assert.equal(queries, 1 + n + m);
  });

  test('both endpoints return the same data', async () => {
    const [batched, naive] = await Promise.all([read('/graphql'), read('/graphql-naive')]);
    assert.deepEqual(batched.data, naive.data);
    const reviews = batched.data?.authors.edges.flatMap((e) =>
      e.node.books.flatMap((b) => b.reviews),
    );
    assert.ok(reviews && reviews.length > 0);
  });

  test('the header counts each request on its own, even when requests overlap', async () => {
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) => read(i % 2 === 0 ? '/graphql' : '/graphql-naive')),
    );
    for (const [i, result] of results.entries()) {
      const { n, m } = countNodes(result.data);
      assert.equal(result.queries, i % 2 === 0 ? 3 : 1 + n + m);
    }
  });

  test('a path neither instance owns is a plain 404', async () => {
    const response = await fetch(`${base}/graphql-other`);
    assert.equal(response.status, 404);
    await response.body?.cancel();
  });
});

test('maxBatchSize splits a batch into ceil(keys / size) queries', async () => {
  const server = await startTestServer({ maxBatchSize: 50 });
  try {
    const res = await server.request<NestedRead>(NESTED_READ);
    const { n, m } = countNodes(res.data);
    assert.equal(res.storeQueries, 1 + Math.ceil(n / 50) + Math.ceil(m / 50));
  } finally {
    await server.close();
  }
});

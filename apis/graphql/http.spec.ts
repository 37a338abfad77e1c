import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { serverAudits } from 'graphql-http';
import { renderGraphiQL as renderCdnGraphiQL } from 'graphql-yoga';
import { STORE_QUERIES_HEADER } from './store-queries.ts';
import { startTestServer, type TestServer } from './test-server.ts';

/** Places where a page makes the browser load something: element URLs, CSS, fetch, CDNs. */
const EXTERNAL_LOADS = [
  /\b(?:src|href)\s*=\s*\\?["']?(?:https?:)?\/\/[^\s"'>\\]*/gi,
  /\bfetch\(\s*["'`](?:https?:)?\/\/[^"'`]*/gi,
  /url\(\s*["']?(?:https?:)?\/\/[^)]*/gi,
  /@import\s+(?:url\()?\s*["']?(?:https?:)?\/\//gi,
  /\bimport\s*\(?\s*["'`](?:https?:)?\/\/[^"'`]*/gi,
  /(?:unpkg\.com|jsdelivr\.net|cdnjs\.cloudflare\.com|esm\.sh|raw\.githubusercontent\.com|fonts\.googleapis\.com|fonts\.gstatic\.com)[^\s"']*/gi,
];

function findExternalLoads(html: string): string[] {
  return EXTERNAL_LOADS.flatMap((pattern) => html.match(pattern) ?? []);
}

describe('GraphQL over HTTP', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test('passes every graphql-http server audit', async () => {
    const failures: string[] = [];
    const audits = serverAudits({ url: server.url, fetchFn: fetch });
    assert.ok(audits.length > 20);
    for (const audit of audits) {
      const result = await audit.fn();
      if (result.status !== 'ok') {
        failures.push(`${result.status}: ${result.name}: ${result.reason}`);
        await result.response.body?.cancel();
      }
    }
    assert.deepEqual(failures, []);
  });

  test('GraphiQL is served with every asset inline', async () => {
    const response = await fetch(server.url, { headers: { accept: 'text/html' } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const html = await response.text();
    assert.match(html, /<title>wirebench GraphQL<\/title>/);
    assert.match(html, /YogaGraphiQL\.renderYogaGraphiQL/);
    assert.deepEqual(findExternalLoads(html), []);
    // Control: yoga's default page loads from a CDN and the detector above does see it.
    assert.ok(findExternalLoads(renderCdnGraphiQL({})).length > 0);
  });

  test('GraphiQL points at the instance own endpoint', async () => {
    const naive = await startTestServer({ dataloader: false, graphqlEndpoint: '/graphql-naive' });
    try {
      const response = await fetch(naive.url, { headers: { accept: 'text/html' } });
      const html = await response.text();
      assert.ok(html.includes('"endpoint":"/graphql-naive"'));
      assert.match(html, /<title>wirebench GraphQL \(no DataLoader\)<\/title>/);
    } finally {
      await naive.close();
    }
  });

  test('every response carries its store query count', async () => {
    const one = await server.request('{ book(id: "1") { id } }');
    assert.equal(one.headers.get(STORE_QUERIES_HEADER), '1');
    const none = await server.request('{ __typename }');
    assert.equal(none.headers.get(STORE_QUERIES_HEADER), '0');
  });

  test('queries work over GET; a mutation over GET is refused', async () => {
    const query = encodeURIComponent('{ book(id: "2") { id } }');
    const get = await fetch(`${server.url}?query=${query}`, {
      headers: { accept: 'application/graphql-response+json' },
    });
    assert.equal(get.status, 200);
    assert.deepEqual(await get.json(), { data: { book: { id: '2' } } });
    const mutation = encodeURIComponent('mutation { deleteBook(id: "2") }');
    const refused = await fetch(`${server.url}?query=${mutation}`, {
      headers: { accept: 'application/graphql-response+json' },
    });
    assert.equal(refused.status, 405);
    await refused.body?.cancel();
    assert.equal(server.library.getBook(2).id, 2);
  });
});

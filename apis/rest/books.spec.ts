import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  fetchJson,
  jsonInit,
  type ProblemBody,
  type StartedServer,
  startTestServer,
  storeQueries,
} from './test-server.ts';
import type { WireBook } from './wire.ts';

const NEW_BOOK = {
  author_id: 3,
  title: 'A Test of Wires',
  isbn: '9780306406157',
  genre: 'science',
  tags: ['networks', 'http'],
  price_cents: 2599,
  pages: 321,
  published_at: '2020-05-06T07:08:09.000Z',
  description: 'About bytes on the wire.',
};

function problem(body: unknown): ProblemBody {
  return body as ProblemBody;
}

function violationFields(body: unknown): string[] {
  return (problem(body).violations ?? []).map((v) => v.field).sort();
}

describe('books over REST', () => {
  let srv: StartedServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv.close();
  });

  test('create, read, merge-patch, patch, delete: a full round trip', async () => {
    const created = await fetchJson(`${srv.base}/v1/books`, jsonInit('POST', NEW_BOOK));
    assert.equal(created.status, 201);
    const book = created.body as WireBook;
    assert.equal(created.headers.get('location'), `/v1/books/${book.id}`);
    assert.deepEqual(book, { id: book.id, ...NEW_BOOK });

    const read = await fetchJson(`${srv.base}/v1/books/${book.id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, book);
    assert.equal(storeQueries(read.headers), 1);

    const merged = await fetchJson(
      `${srv.base}/v1/books/${book.id}`,
      jsonInit('PATCH', { title: 'Renamed', tags: ['one'] }, 'application/merge-patch+json'),
    );
    assert.equal(merged.status, 200);
    assert.deepEqual(merged.body, { ...book, title: 'Renamed', tags: ['one'] });

    const patched = await fetchJson(
      `${srv.base}/v1/books/${book.id}`,
      jsonInit('PATCH', { price_cents: 100 }),
    );
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.body, { ...book, title: 'Renamed', tags: ['one'], price_cents: 100 });

    const deleted = await fetch(`${srv.base}/v1/books/${book.id}`, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    assert.equal(await deleted.text(), '');

    const gone = await fetchJson(`${srv.base}/v1/books/${book.id}`);
    assert.equal(gone.status, 404);
    assert.equal(problem(gone.body).code, 'not_found');
    const again = await fetchJson(`${srv.base}/v1/books/${book.id}`, { method: 'DELETE' });
    assert.equal(again.status, 404);
    assert.equal(problem(again.body).code, 'not_found');
  });

  test('tags and description may be left out of a create and default to empty', async () => {
    const { tags: _t, description: _d, ...minimal } = NEW_BOOK;
    const created = await fetchJson(
      `${srv.base}/v1/books`,
      jsonInit('POST', { ...minimal, isbn: '9781861972712' }),
    );
    assert.equal(created.status, 201);
    const book = created.body as WireBook;
    assert.deepEqual(book.tags, []);
    assert.equal(book.description, '');
  });

  test('pagination with a genre filter walks every matching book once, in id order', async () => {
    const expected = srv.library
      .exportCatalog()
      .filter((b) => b.genre === 'fiction')
      .map((b) => b.id);
    assert.ok(expected.length > 14, 'the small dataset has enough fiction for three pages');
    const seen: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const url = new URL(`${srv.base}/v1/books`);
      url.searchParams.set('genre', 'fiction');
      url.searchParams.set('page_size', '7');
      if (token) url.searchParams.set('page_token', token);
      const page = await fetchJson(url.href);
      assert.equal(page.status, 200);
      const body = page.body as { books: WireBook[]; next_page_token?: string };
      assert.ok(body.books.length <= 7);
      for (const b of body.books) assert.equal(b.genre, 'fiction');
      seen.push(...body.books.map((b) => b.id));
      token = body.next_page_token;
      pages++;
    } while (token);
    assert.deepEqual(seen, expected);
    assert.equal(pages, Math.ceil(expected.length / 7));
  });

  test('the author_id filter and the default page size of 20', async () => {
    const all = await fetchJson(`${srv.base}/v1/books`);
    assert.equal((all.body as { books: WireBook[] }).books.length, 20);
    assert.equal(typeof (all.body as { next_page_token?: string }).next_page_token, 'string');

    const expected = srv.library
      .exportCatalog()
      .filter((b) => b.authorId === 5)
      .map((b) => b.id);
    const page = await fetchJson(`${srv.base}/v1/books?author_id=5&page_size=100`);
    const body = page.body as { books: WireBook[]; next_page_token?: string };
    assert.deepEqual(
      body.books.map((b) => b.id),
      expected,
    );
    assert.equal(body.next_page_token, undefined);
  });
});

describe('bad input to the books API', () => {
  let srv: StartedServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv.close();
  });

  async function expectProblem(
    res: Promise<{ status: number; headers: Headers; body: unknown }>,
    status: number,
    code: string,
  ): Promise<ProblemBody> {
    const r = await res;
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const p = problem(r.body);
    assert.equal(p.status, status);
    assert.equal(p.code, code);
    assert.equal(p.type, `urn:wirebench:problem:${code}`);
    assert.equal(typeof p.title, 'string');
    return p;
  }

  test('malformed JSON is invalid_argument (400)', async () => {
    const p = await expectProblem(
      fetchJson(`${srv.base}/v1/books`, jsonInit('POST', '{"title": "unterminated')),
      400,
      'invalid_argument',
    );
    assert.match(p.detail ?? '', /^malformed JSON/);
  });

  test('wrong types are invalid_argument, naming every bad field in snake_case', async () => {
    const p = await expectProblem(
      fetchJson(
        `${srv.base}/v1/books`,
        jsonInit('POST', { ...NEW_BOOK, author_id: 'three', pages: '12', tags: [1] }),
      ),
      400,
      'invalid_argument',
    );
    assert.deepEqual(violationFields(p), ['author_id', 'pages', 'tags[0]']);
  });

  test('an unknown field is invalid_argument', async () => {
    const p = await expectProblem(
      fetchJson(`${srv.base}/v1/books`, jsonInit('POST', { ...NEW_BOOK, colour: 'red' })),
      400,
      'invalid_argument',
    );
    assert.deepEqual(p.violations, [{ field: 'colour', description: 'unknown field' }]);
  });

  test('a domain rule (ISBN check digit) is invalid_argument with the wire field name', async () => {
    const p = await expectProblem(
      fetchJson(`${srv.base}/v1/books`, jsonInit('POST', { ...NEW_BOOK, isbn: '9780306406158' })),
      400,
      'invalid_argument',
    );
    assert.deepEqual(violationFields(p), ['isbn']);
  });

  test('an author that does not exist is invalid_argument on author_id', async () => {
    const p = await expectProblem(
      fetchJson(`${srv.base}/v1/books`, jsonInit('POST', { ...NEW_BOOK, author_id: 99_999 })),
      400,
      'invalid_argument',
    );
    assert.deepEqual(violationFields(p), ['author_id']);
  });

  test('a duplicate ISBN is already_exists (409)', async () => {
    const existing = srv.library.getBook(1);
    await expectProblem(
      fetchJson(`${srv.base}/v1/books`, jsonInit('POST', { ...NEW_BOOK, isbn: existing.isbn })),
      409,
      'already_exists',
    );
  });

  test('a body over the 1 MiB limit is resource_exhausted (413)', async () => {
    const huge = { ...NEW_BOOK, description: 'x'.repeat(1024 * 1024 + 10) };
    await expectProblem(
      fetchJson(`${srv.base}/v1/books`, jsonInit('POST', huge)),
      413,
      'resource_exhausted',
    );
  });

  test('null in a merge patch is refused: no book field can be removed', async () => {
    const p = await expectProblem(
      fetchJson(
        `${srv.base}/v1/books/1`,
        jsonInit('PATCH', { title: null }, 'application/merge-patch+json'),
      ),
      400,
      'invalid_argument',
    );
    assert.deepEqual(violationFields(p), ['title']);
  });

  test('an unsupported media type is 415 invalid_argument', async () => {
    await expectProblem(
      fetchJson(`${srv.base}/v1/books`, jsonInit('POST', 'title=x', 'text/plain')),
      415,
      'invalid_argument',
    );
  });

  test('an unknown id is not_found (404), a non-numeric id invalid_argument (400)', async () => {
    await expectProblem(fetchJson(`${srv.base}/v1/books/99999`), 404, 'not_found');
    const p = await expectProblem(fetchJson(`${srv.base}/v1/books/abc`), 400, 'invalid_argument');
    assert.deepEqual(violationFields(p), ['id']);
    await expectProblem(fetchJson(`${srv.base}/v1/authors/99999`), 404, 'not_found');
  });

  test('page_size 0 and 1000 are invalid_argument on page_size', async () => {
    for (const size of [0, 1000]) {
      const p = await expectProblem(
        fetchJson(`${srv.base}/v1/books?page_size=${size}`),
        400,
        'invalid_argument',
      );
      assert.deepEqual(violationFields(p), ['page_size']);
    }
  });

  test('a page_token the server did not issue is invalid_argument on page_token', async () => {
    const p = await expectProblem(
      fetchJson(`${srv.base}/v1/books?page_token=bm90LWEtY3Vyc29y`),
      400,
      'invalid_argument',
    );
    assert.deepEqual(violationFields(p), ['page_token']);
  });

  test('an unknown query parameter and an unknown genre are invalid_argument', async () => {
    await expectProblem(fetchJson(`${srv.base}/v1/books?colour=red`), 400, 'invalid_argument');
    await expectProblem(fetchJson(`${srv.base}/v1/books?genre=Fiction`), 400, 'invalid_argument');
  });

  test('an unknown route is a 404 problem, never an HTML page', async () => {
    await expectProblem(fetchJson(`${srv.base}/v1/nothing-here`), 404, 'not_found');
    await expectProblem(fetchJson(`${srv.base}/`), 404, 'not_found');
    await expectProblem(fetchJson(`${srv.base}/graphql`), 404, 'not_found');
  });

  test('a method the route does not have is 405 with Allow', async () => {
    const r = await fetchJson(`${srv.base}/v1/books`, { method: 'PUT' });
    assert.equal(r.status, 405);
    assert.equal(problem(r.body).code, 'unimplemented');
    assert.deepEqual(
      r.headers
        .get('allow')
        ?.split(',')
        .map((m) => m.trim())
        .sort(),
      ['GET', 'POST'],
    );
  });

  test('an unexpected failure is a generic 500 internal, logged, with no detail leaked', async () => {
    const original = srv.library.getBook;
    srv.library.getBook = () => {
      throw new Error('SQLITE_CORRUPT: secret internals');
    };
    try {
      const p = await expectProblem(fetchJson(`${srv.base}/v1/books/1`), 500, 'internal');
      assert.equal(p.detail, 'internal error');
      assert.doesNotMatch(JSON.stringify(p), /secret|SQLITE|at /);
      assert.equal(srv.logs.filter((l) => l.level === 'error').length, 1);
    } finally {
      srv.library.getBook = original;
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GraphQLError } from 'graphql';
import { DomainError, ERROR_CODES, LIMITS, Library } from '../domain/index.ts';
import { maskError, rethrowAsGraphQLError } from './errors.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import { type GraphQLErrorBody, startTestServer, type TestServer } from './test-server.ts';

function onlyError(errors: GraphQLErrorBody[] | undefined): GraphQLErrorBody {
  assert.equal(errors?.length, 1, `expected one error, got ${JSON.stringify(errors)}`);
  return errors?.[0] as GraphQLErrorBody;
}

async function postRaw(url: string, body: string, accept = 'application/graphql-response+json') {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body,
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: unknown; errors?: GraphQLErrorBody[] },
  };
}

const IMPORT = `mutation($reviews: [ReviewInput!]!) { importReviews(reviews: $reviews) { importedCount } }`;

describe('GraphQL bad input', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test('a malformed JSON body is 400 BAD_REQUEST without echoing the parser error', async () => {
    for (const accept of ['application/graphql-response+json', 'application/json']) {
      const res = await postRaw(server.url, '{"query": "{ book(id: 1) { id }', accept);
      assert.equal(res.status, 400, accept);
      const error = onlyError(res.body.errors);
      assert.equal(error.message, 'POST body sent invalid JSON.');
      assert.deepEqual(error.extensions, { code: 'BAD_REQUEST' });
    }
  });

  test('a variable of the wrong type is 400 before anything executes', async () => {
    const res = await server.request('query($id: ID!) { book(id: $id) { id } }', {
      id: { not: 'an id' },
    });
    assert.equal(res.status, 400);
    assert.equal(res.data, undefined);
    assert.match(onlyError(res.errors).message, /^Variable "\$id" got invalid value/);
    assert.equal(res.storeQueries, 0);
  });

  test('a malformed DateTime variable is rejected by the scalar', async () => {
    const res = await server.request(
      'mutation($input: UpdateBookInput!) { updateBook(id: "1", input: $input) { id } }',
      { input: { publishedAt: 'yesterday' } },
    );
    assert.equal(res.status, 400);
    assert.match(onlyError(res.errors).message, /DateTime must be an RFC 3339 date-time/);
  });

  test('an unknown field is a validation error: 400, or 200 for application/json clients', async () => {
    const query = '{ book(id: "1") { id colour } }';
    const modern = await server.request(query);
    assert.equal(modern.status, 400);
    const error = onlyError(modern.errors);
    assert.equal(error.message, 'Cannot query field "colour" on type "Book".');
    assert.equal(error.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    // GraphQL over HTTP keeps 200 for the legacy media type; graphql-http's audits check it.
    const legacy = await server.request(query, undefined, { accept: 'application/json' });
    assert.equal(legacy.status, 200);
    assert.equal(onlyError(legacy.errors).extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
  });

  test('rating 0 is INVALID_ARGUMENT with a field violation', async () => {
    const before = server.library.countReviews();
    const res = await server.request(
      'mutation { createReview(input: { bookId: "1", reviewer: "x", rating: 0, body: "" }) { id } }',
    );
    assert.equal(res.status, 200);
    assert.deepEqual(res.data, { createReview: null });
    const error = onlyError(res.errors);
    assert.equal(error.extensions?.code, 'INVALID_ARGUMENT');
    assert.deepEqual(error.extensions?.fieldViolations, [
      { field: 'input.rating', description: 'must be between 1 and 5' },
    ]);
    assert.equal(server.library.countReviews(), before);
  });

  test('an unknown id is NOT_FOUND and a malformed one INVALID_ARGUMENT', async () => {
    const res = await server.request('{ a: author(id: "4040") { id } b: author(id: "x1") { id } }');
    assert.equal(res.status, 200);
    assert.deepEqual(res.data, { a: null, b: null });
    const [notFound, invalid] = res.errors ?? [];
    assert.equal(notFound?.extensions?.code, 'NOT_FOUND');
    assert.deepEqual(notFound?.path, ['a']);
    assert.equal(invalid?.extensions?.code, 'INVALID_ARGUMENT');
    assert.deepEqual(invalid?.extensions?.fieldViolations, [
      { field: 'id', description: 'must be a positive integer' },
    ]);
  });

  test('a review for an unknown book is NOT_FOUND', async () => {
    const res = await server.request(
      'mutation { createReview(input: { bookId: "4040", reviewer: "x", rating: 3, body: "" }) { id } }',
    );
    assert.equal(onlyError(res.errors).extensions?.code, 'NOT_FOUND');
  });

  test('an import with one bad item imports nothing and names the item', async () => {
    const before = server.library.countReviews();
    const reviews = [1, 2, 3, 4].map((i) => ({
      bookId: String(i),
      reviewer: `r${i}`,
      rating: i === 3 ? 9 : 5,
      body: 'ok',
    }));
    const res = await server.request(IMPORT, { reviews });
    assert.equal(res.status, 200);
    assert.deepEqual(res.data, { importReviews: null });
    const error = onlyError(res.errors);
    assert.equal(error.extensions?.code, 'INVALID_ARGUMENT');
    assert.deepEqual(error.extensions?.fieldViolations, [
      { field: 'reviews[2].rating', description: 'must be between 1 and 5' },
    ]);
    assert.equal(server.library.countReviews(), before);
  });

  test('an import naming an unknown book imports nothing', async () => {
    const before = server.library.countReviews();
    const res = await server.request(IMPORT, {
      reviews: [
        { bookId: '1', reviewer: 'a', rating: 5, body: '' },
        { bookId: '4040', reviewer: 'b', rating: 5, body: '' },
      ],
    });
    const error = onlyError(res.errors);
    assert.equal(error.extensions?.code, 'INVALID_ARGUMENT');
    assert.deepEqual(
      error.extensions?.fieldViolations?.map((v) => v.field),
      ['reviews[1].bookId'],
    );
    assert.equal(server.library.countReviews(), before);
  });

  test('an import past the size limit is RESOURCE_EXHAUSTED and imports nothing', async () => {
    const before = server.library.countReviews();
    const review = { bookId: '1', reviewer: 'bulk', rating: 5, body: '' };
    const reviews = Array.from({ length: LIMITS.importMax + 1 }, () => review);
    const res = await server.request(IMPORT, { reviews });
    assert.equal(res.status, 200);
    const error = onlyError(res.errors);
    assert.equal(error.extensions?.code, 'RESOURCE_EXHAUSTED');
    assert.equal(
      error.message,
      `an import may hold at most ${LIMITS.importMax} reviews, got ${LIMITS.importMax + 1}`,
    );
    assert.equal(server.library.countReviews(), before);
  });

  test('a page size out of range names the GraphQL argument', async () => {
    const res = await server.request('{ books(first: 0) { edges { cursor } } }');
    const error = onlyError(res.errors);
    assert.equal(error.extensions?.code, 'INVALID_ARGUMENT');
    assert.deepEqual(
      error.extensions?.fieldViolations?.map((v) => v.field),
      ['first'],
    );
    const cursor = await server.request('{ books(after: "bogus") { edges { cursor } } }');
    assert.deepEqual(
      onlyError(cursor.errors).extensions?.fieldViolations?.map((v) => v.field),
      ['after'],
    );
  });

  test('reviews(latest) past the maximum is INVALID_ARGUMENT on latest', async () => {
    const res = await server.request('{ book(id: "1") { reviews(latest: 21) { id } } }');
    const error = onlyError(res.errors);
    assert.equal(error.extensions?.code, 'INVALID_ARGUMENT');
    assert.deepEqual(error.path, ['book', 'reviews']);
    assert.deepEqual(
      error.extensions?.fieldViolations?.map((v) => v.field),
      ['latest'],
    );
  });
});

describe('GraphQL query limits', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  // book > author > books > author > books > author > books > author > books > id
  const TOO_DEEP =
    '{ book(id: "1") { author { books { author { books { author { books { author { books { id } } } } } } } } } }';

  test('a query past the depth limit is 400 with a clear message, for every client', async () => {
    for (const accept of ['application/graphql-response+json', 'application/json']) {
      // Twice: the second answer comes from yoga's validation cache and must stay a 400.
      for (let round = 0; round < 2; round++) {
        const res = await server.request(TOO_DEEP, undefined, { accept });
        assert.equal(res.status, 400, `${accept} round ${round}`);
        assert.equal(res.data, undefined);
        const error = onlyError(res.errors);
        assert.equal(
          error.message,
          `Query depth limit of ${DEFAULT_LIMITS.maxDepth} exceeded, found 10.`,
        );
        assert.deepEqual(error.extensions, { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'depth' });
        assert.equal(res.storeQueries, 0);
      }
    }
  });

  test('the nested read stays inside every limit', async () => {
    const res = await server.request(
      '{ authors(first: 20) { edges { node { id name books { id title reviews { id rating body reviewer createdAt } } } } } }',
    );
    assert.equal(res.status, 200);
    assert.equal(res.errors, undefined);
    const largestPage = await server.request(
      '{ authors(first: 100) { edges { cursor node { id name country bio bornOn createdAt books { id authorId title isbn genre tags priceCents pages publishedAt description reviews(latest: 20) { id bookId reviewer rating body createdAt } } } } } }',
    );
    assert.equal(largestPage.status, 200);
    assert.equal(largestPage.errors, undefined);
  });

  test('too many aliases is 400', async () => {
    const fields = Array.from({ length: 20 }, (_, i) => `a${i}: book(id: "1") { id }`);
    const res = await server.request(`{ ${fields.join(' ')} }`, undefined, {
      accept: 'application/json',
    });
    assert.equal(res.status, 400);
    const error = onlyError(res.errors);
    assert.equal(
      error.message,
      `Aliases limit of ${DEFAULT_LIMITS.maxAliases} exceeded, found 20.`,
    );
    assert.equal(error.extensions?.limit, 'aliases');
  });

  test('a too costly query is 400', async () => {
    // One page of this is the largest legitimate read (~15,300); two of them are not.
    const page =
      'authors(first: 100) { edges { cursor node { id name country bio bornOn createdAt books { id authorId title isbn genre tags priceCents pages publishedAt description reviews(latest: 20) { id bookId reviewer rating body createdAt } } } } }';
    const res = await server.request(`{ a: ${page} b: ${page} }`, undefined, {
      accept: 'application/json',
    });
    assert.equal(res.status, 400);
    const error = onlyError(res.errors);
    assert.match(
      error.message,
      new RegExp(`^Query Cost limit of ${DEFAULT_LIMITS.maxCost} exceeded, found \\d+`),
    );
    assert.equal(error.extensions?.limit, 'cost');
  });

  test('limits are configurable per instance', async () => {
    const strict = await startTestServer({ limits: { maxDepth: 2 } });
    try {
      const res = await strict.request('{ book(id: "1") { author { id } } }');
      assert.equal(res.status, 400);
      assert.equal(onlyError(res.errors).message, 'Query depth limit of 2 exceeded, found 3.');
    } finally {
      await strict.close();
    }
  });
});

describe('GraphQL error masking', () => {
  test('an unexpected failure is INTERNAL with no detail of its cause', async () => {
    const library = Library.open({ scale: 'small' });
    const server = await startTestServer({}, library);
    try {
      // Closing the database under the server makes the store throw a driver error.
      library.store.db.close();
      const res = await server.request('{ book(id: "1") { id } }');
      assert.equal(res.status, 200);
      assert.deepEqual(res.data, { book: null });
      const error = onlyError(res.errors);
      assert.deepEqual(error, {
        message: 'Unexpected error.',
        locations: [{ line: 1, column: 3 }],
        path: ['book'],
        extensions: { code: 'INTERNAL' },
      });
    } finally {
      await server.close();
    }
  });
});

describe('GraphQL error table', () => {
  test('each exposable canonical code becomes its UPPER_SNAKE extensions.code', () => {
    for (const code of ERROR_CODES) {
      const error = maskError(
        new GraphQLError('wrapped', { originalError: new DomainError(code, `detail of ${code}`) }),
      ) as GraphQLError;
      if (code === 'internal' || code === 'unknown' || code === 'data_loss') {
        assert.equal(error.message, 'Unexpected error.', code);
        assert.equal(error.extensions.code, 'INTERNAL', code);
      } else {
        assert.equal(error.message, `detail of ${code}`);
        assert.equal(error.extensions.code, code.toUpperCase());
      }
    }
  });

  test('an internal DomainError thrown by a resolver reaches the masking step', () => {
    const internal = new DomainError('internal', 'sqlite file /var/secret is locked');
    assert.throws(
      () => rethrowAsGraphQLError(internal),
      (e) => e === internal,
    );
    assert.throws(
      () => rethrowAsGraphQLError(new DomainError('not_found', 'book 1 not found')),
      (e) => e instanceof GraphQLError && e.extensions.code === 'NOT_FOUND',
    );
  });
});

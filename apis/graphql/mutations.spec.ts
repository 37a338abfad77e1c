import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withIsbnCheckDigit } from '../domain/index.ts';
import { type GraphQLErrorBody, startTestServer, type TestServer } from './test-server.ts';

const BOOK_FIELDS = 'id authorId title isbn genre tags priceCents pages publishedAt description';

const CREATE_BOOK = `mutation($input: CreateBookInput!) { createBook(input: $input) { ${BOOK_FIELDS} } }`;
const UPDATE_BOOK = `mutation($id: ID!, $input: UpdateBookInput!) { updateBook(id: $id, input: $input) { ${BOOK_FIELDS} } }`;

function newBookInput(isbnSeed: string) {
  return {
    authorId: '2',
    title: 'A Wire Between Stars',
    isbn: withIsbnCheckDigit(`978${isbnSeed.padStart(9, '0')}`),
    genre: 'SCIENCE',
    tags: ['protocols', 'bench'],
    priceCents: 1999,
    pages: 321,
    publishedAt: '2024-05-01T12:00:00.000Z',
    description: 'What travels between a client and a server, byte by byte.',
  };
}

function onlyError(errors: GraphQLErrorBody[] | undefined): GraphQLErrorBody {
  assert.equal(errors?.length, 1, `expected one error, got ${JSON.stringify(errors)}`);
  return errors?.[0] as GraphQLErrorBody;
}

describe('GraphQL mutations', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  test('createBook stores the book and returns it', async () => {
    const input = newBookInput('1');
    const res = await server.request<{ createBook: { id: string } }>(CREATE_BOOK, { input });
    assert.equal(res.status, 200);
    assert.equal(res.errors, undefined);
    const created = res.data?.createBook;
    assert.ok(created);
    assert.deepEqual(created, { ...input, id: created.id });
    const stored = server.library.getBook(Number(created.id));
    assert.equal(stored.isbn, input.isbn);
    assert.equal(stored.genre, 'science');
  });

  test('createBook with a taken isbn is ALREADY_EXISTS', async () => {
    const taken = server.library.getBook(1).isbn;
    const res = await server.request(CREATE_BOOK, { input: { ...newBookInput('2'), isbn: taken } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.data, { createBook: null });
    const error = onlyError(res.errors);
    assert.equal(error.extensions?.code, 'ALREADY_EXISTS');
    assert.deepEqual(error.path, ['createBook']);
  });

  test('createBook for an unknown author names input.authorId', async () => {
    const res = await server.request(CREATE_BOOK, {
      input: { ...newBookInput('3'), authorId: '9999' },
    });
    const error = onlyError(res.errors);
    assert.equal(error.extensions?.code, 'INVALID_ARGUMENT');
    assert.deepEqual(error.extensions?.fieldViolations, [
      { field: 'input.authorId', description: 'author 9999 does not exist' },
    ]);
  });

  test('updateBook changes only the fields given', async () => {
    const before = server.library.getBook(5);
    const res = await server.request<{ updateBook: Record<string, unknown> }>(UPDATE_BOOK, {
      id: '5',
      input: { title: 'Retitled', priceCents: 42 },
    });
    assert.equal(res.errors, undefined);
    const after = server.library.getBook(5);
    assert.deepEqual(after, { ...before, title: 'Retitled', priceCents: 42 });
    assert.equal(res.data?.updateBook.title, 'Retitled');
    assert.equal(res.data?.updateBook.isbn, before.isbn);
    assert.equal(res.data?.updateBook.genre, before.genre.toUpperCase());
  });

  test('updateBook refuses an explicit null and changes nothing', async () => {
    const before = server.library.getBook(6);
    const res = await server.request(UPDATE_BOOK, {
      id: '6',
      input: { title: null, pages: 10 },
    });
    const error = onlyError(res.errors);
    assert.equal(error.extensions?.code, 'INVALID_ARGUMENT');
    assert.deepEqual(error.extensions?.fieldViolations, [
      { field: 'input.title', description: 'must not be null' },
    ]);
    assert.deepEqual(server.library.getBook(6), before);
  });

  test('updateBook reports bad values under input.*', async () => {
    const res = await server.request(UPDATE_BOOK, { id: '6', input: { pages: 0 } });
    const error = onlyError(res.errors);
    assert.equal(error.extensions?.code, 'INVALID_ARGUMENT');
    assert.deepEqual(
      error.extensions?.fieldViolations?.map((v) => v.field),
      ['input.pages'],
    );
  });

  test('updateBook of an unknown book is NOT_FOUND', async () => {
    const res = await server.request(UPDATE_BOOK, { id: '9999', input: { title: 'x' } });
    assert.equal(onlyError(res.errors).extensions?.code, 'NOT_FOUND');
  });

  test('deleteBook removes the book: book(id) is then NOT_FOUND', async () => {
    const del = await server.request<{ deleteBook: string }>('mutation { deleteBook(id: "9") }');
    assert.deepEqual(del.data, { deleteBook: '9' });
    const get = await server.request('{ book(id: "9") { id } }');
    assert.equal(get.status, 200);
    assert.deepEqual(get.data, { book: null });
    const error = onlyError(get.errors);
    assert.equal(error.extensions?.code, 'NOT_FOUND');
    assert.equal(error.message, 'book 9 not found');
    const again = await server.request('mutation { deleteBook(id: "9") }');
    assert.equal(onlyError(again.errors).extensions?.code, 'NOT_FOUND');
  });

  test('createReview stores a review that becomes the latest of its book', async () => {
    const res = await server.request<{ createReview: Record<string, unknown> }>(
      `mutation($input: ReviewInput!) {
        createReview(input: $input) { id bookId reviewer rating body createdAt }
      }`,
      { input: { bookId: '12', reviewer: 'ada', rating: 4, body: 'Dense but fair.' } },
    );
    assert.equal(res.errors, undefined);
    const review = res.data?.createReview;
    assert.ok(review);
    assert.deepEqual(
      { ...review, id: undefined, createdAt: undefined },
      {
        id: undefined,
        bookId: '12',
        reviewer: 'ada',
        rating: 4,
        body: 'Dense but fair.',
        createdAt: undefined,
      },
    );
    assert.equal(String(server.library.listBookReviews(12, 1)[0]?.id), review.id);
  });

  test('importReviews writes every review of the list', async () => {
    const before = server.library.countReviews();
    const reviews = [1, 2, 3].map((i) => ({
      bookId: String(20 + i),
      reviewer: `importer-${i}`,
      rating: i,
      body: `review ${i}`,
    }));
    const res = await server.request<{
      importReviews: { importedCount: number; reviews: { bookId: string; reviewer: string }[] };
    }>(
      `mutation($reviews: [ReviewInput!]!) {
        importReviews(reviews: $reviews) { importedCount reviews { bookId reviewer } }
      }`,
      { reviews },
    );
    assert.equal(res.errors, undefined);
    assert.equal(res.data?.importReviews.importedCount, 3);
    assert.deepEqual(
      res.data?.importReviews.reviews,
      reviews.map((r) => ({ bookId: r.bookId, reviewer: r.reviewer })),
    );
    assert.equal(server.library.countReviews(), before + 3);
  });

  test('postChatMessage stamps and returns the message', async () => {
    const res = await server.request<{ postChatMessage: Record<string, string> }>(
      'mutation { postChatMessage(room: "club", sender: "bo", text: "hello") { room sender text sentAt } }',
    );
    assert.equal(res.errors, undefined);
    const message = res.data?.postChatMessage;
    assert.ok(message);
    assert.equal(message.room, 'club');
    assert.equal(message.sender, 'bo');
    assert.equal(message.text, 'hello');
    assert.match(message.sentAt ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test('postChatMessage to a badly named room is INVALID_ARGUMENT on room', async () => {
    const res = await server.request(
      'mutation { postChatMessage(room: "Not A Room", sender: "bo", text: "hi") { sentAt } }',
    );
    const error = onlyError(res.errors);
    assert.equal(error.extensions?.code, 'INVALID_ARGUMENT');
    assert.deepEqual(
      error.extensions?.fieldViolations?.map((v) => v.field),
      ['room'],
    );
  });
});

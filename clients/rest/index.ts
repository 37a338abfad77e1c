// The REST client: what a TypeScript consumer of the OpenAPI contract writes. Calls go through
// openapi-fetch, typed by the generated schemas/gen/openapi paths, over undici's fetch on one
// keep-alive Agent; streams use the web's own mechanisms (SSE, NDJSON, a WebSocket).

import { Readable } from 'node:stream';
import createFetchClient from 'openapi-fetch';
import { Agent, type Dispatcher, Request as UndiciRequest, fetch as undiciFetch } from 'undici';
import type { components, paths } from '../../schemas/gen/openapi/library.ts';
import {
  type AuthorTree,
  type AuthorTreeQuery,
  type Book,
  ClientError,
  type Endpoints,
  type LibraryClient,
  type ListBooksParams,
  type NestedStrategy,
  type NewReview,
  type Page,
  type Review,
  type WatchOptions,
} from '../contract.ts';
import { VARIANT_TABLE } from '../variants.ts';
import { openChatSocket } from './chat-socket.ts';
import { fromProblem, toClientError } from './errors.ts';
import { subscribeEventStream } from './event-stream.ts';
import { readNdjsonBatches, writeNdjson } from './ndjson.ts';
import {
  fromWireAuthor,
  fromWireAuthorTree,
  fromWireBook,
  fromWireReview,
  toWireBookInput,
  toWireBookPatch,
  toWireReviewImportLine,
  type WireBook,
  type WireReview,
} from './wire.ts';

export interface RestClientOptions {
  /**
   * The undici dispatcher every HTTP call goes through (a wire-accounting Agent, say). The
   * client closes only the Agent it created itself.
   */
  dispatcher?: Dispatcher | undefined;
}

/**
 * Sockets per origin of the client's own Agent. undici's default is unlimited, so the naive
 * nested read (one request per book, all at once, ~1,000 for 100 authors) would open one
 * socket per request; a browser would allow 6. 64 keeps that fan-out bounded while leaving
 * room for open SSE subscriptions, each of which holds a connection for its lifetime.
 */
export const DEFAULT_CONNECTIONS = 64;

const NDJSON = 'application/x-ndjson';

/** Every call mode, each with the web's own mechanism. */

interface ApiResult<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/** An openapi-fetch result -> its data, or the ClientError its problem+json describes. */
async function unwrap<D>(pending: Promise<ApiResult<D>>): Promise<D> {
  let result: ApiResult<D>;
  try {
    result = await pending;
  } catch (err) {
    throw toClientError(err);
  }
  if (!result.response.ok) throw fromProblem(result.error, result.response.status);
  return result.data as D;
}

/**
 * A response body as the async iterable it is at run time (node's web ReadableStream); the
 * fetch typings of @types/node leave out its Symbol.asyncIterator.
 */
function iterateBody(body: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  return body as unknown as AsyncIterable<Uint8Array>;
}

/** An error body: problem+json when it parses, else the text (a proxy's error page). */
function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseBookLine(line: string): Book {
  return fromWireBook(JSON.parse(line) as WireBook);
}

export function createRestClient(
  endpoints: Endpoints,
  options: RestClientOptions = {},
): LibraryClient {
  const ownDispatcher = options.dispatcher === undefined;
  const dispatcher = options.dispatcher ?? new Agent({ connections: DEFAULT_CONNECTIONS });
  // Media 'application/json': response types are the JSON ones (the catalog's NDJSON form is
  // read as a stream anyway).
  const api = createFetchClient<paths, 'application/json'>({
    baseUrl: endpoints.http,
    // undici's own Request, so that undici's fetch takes it as is (the global Request is a
    // different undici copy, bundled with node).
    Request: UndiciRequest as unknown as typeof Request,
    fetch: (request) =>
      undiciFetch(request as unknown as UndiciRequest, {
        dispatcher,
      }) as unknown as Promise<Response>,
  });
  // Aborted by close(): ends the streams that would otherwise keep a connection busy forever.
  const closing = new AbortController();
  const chats = new Set<{ close(): Promise<void> }>();

  async function listAuthorBooks(authorId: number): Promise<WireBook[]> {
    const data = await unwrap(
      api.GET('/v1/authors/{id}/books', { params: { path: { id: authorId } } }),
    );
    return data.books;
  }

  async function listBookReviews(bookId: number, limit?: number): Promise<WireReview[]> {
    const data = await unwrap(
      api.GET('/v1/books/{id}/reviews', {
        params: { path: { id: bookId }, query: limit === undefined ? {} : { limit } },
      }),
    );
    return data.reviews;
  }

  /**
   * What an application does without an expanding endpoint: the authors, then each author's
   * books, then each book's latest reviews, one request each. Each level's requests go out
   * together (Promise.all), as application code would write it; the Agent's connection cap
   * bounds how many are on the wire at once.
   */
  async function readTreeNaively(query: AuthorTreeQuery): Promise<AuthorTree[]> {
    const page = await unwrap(
      api.GET('/v1/authors', { params: { query: { page_size: query.authors } } }),
    );
    const authors = page.authors.map(fromWireAuthor);
    const booksByAuthor = await Promise.all(authors.map((a) => listAuthorBooks(a.id)));
    const books = booksByAuthor.flat();
    const reviews = await Promise.all(
      books.map((b) => listBookReviews(b.id, query.reviewsPerBook)),
    );
    const reviewsByBook = new Map(books.map((b, i) => [b.id, reviews[i] ?? []]));
    return authors.map((author, i) => ({
      ...author,
      books: (booksByAuthor[i] ?? []).map((b) => ({
        ...fromWireBook(b),
        reviews: (reviewsByBook.get(b.id) ?? []).map(fromWireReview),
      })),
    }));
  }

  async function readTreeExpanded(query: AuthorTreeQuery): Promise<AuthorTree[]> {
    const data = await unwrap(
      api.GET('/v1/authors', {
        params: {
          query: {
            page_size: query.authors,
            include: 'books.reviews',
            ...(query.reviewsPerBook === undefined
              ? {}
              : { reviews_per_book: query.reviewsPerBook }),
          },
        },
      }),
    );
    // The response schema is a union of both list shapes; include=books.reviews picks this one.
    const tree = data as components['schemas']['AuthorTreeList'];
    return tree.authors.map(fromWireAuthorTree);
  }

  async function* streamCatalog(): AsyncGenerator<Book[]> {
    const controller = new AbortController();
    const abort = () => controller.abort();
    closing.signal.addEventListener('abort', abort, { once: true });
    try {
      const body = await unwrap(
        api.GET('/v1/catalog', {
          headers: { accept: NDJSON },
          parseAs: 'stream',
          signal: controller.signal,
        }),
      );
      if (body === null) return;
      yield* readNdjsonBatches(iterateBody(body), parseBookLine);
    } catch (err) {
      // The server drops the connection when it cannot finish: a truncated catalog.
      throw toClientError(err);
    } finally {
      // Stopped early: abort, or undici would read the rest of the catalog to reuse the socket.
      controller.abort();
      closing.signal.removeEventListener('abort', abort);
    }
  }

  return {
    variant: 'rest',
    capabilities: VARIANT_TABLE['rest'].capabilities,

    async getBook(id) {
      const book = await unwrap(api.GET('/v1/books/{id}', { params: { path: { id } } }));
      return fromWireBook(book);
    },

    async listBooks(params: ListBooksParams = {}): Promise<Page<Book>> {
      const data = await unwrap(
        api.GET('/v1/books', {
          params: {
            query: {
              page_size: params.pageSize,
              page_token: params.cursor,
              genre: params.genre,
              author_id: params.authorId,
            },
          },
        }),
      );
      return { items: data.books.map(fromWireBook), nextCursor: data.next_page_token };
    },

    async createBook(book) {
      const created = await unwrap(api.POST('/v1/books', { body: toWireBookInput(book) }));
      return fromWireBook(created);
    },

    async updateBook(id, patch) {
      const updated = await unwrap(
        api.PATCH('/v1/books/{id}', {
          params: { path: { id } },
          body: toWireBookPatch(patch),
          headers: { 'content-type': 'application/merge-patch+json' },
        }),
      );
      return fromWireBook(updated);
    },

    async deleteBook(id) {
      await unwrap(api.DELETE('/v1/books/{id}', { params: { path: { id } } }));
    },

    authorTree(query: AuthorTreeQuery, strategy: NestedStrategy) {
      return strategy === 'naive' ? readTreeNaively(query) : readTreeExpanded(query);
    },

    async exportCatalog() {
      const data = await unwrap(
        api.GET('/v1/catalog', { headers: { accept: 'application/json' } }),
      );
      return data.books.map(fromWireBook);
    },

    streamCatalog,

    async createReview(review: NewReview): Promise<Review> {
      const created = await unwrap(
        api.POST('/v1/books/{id}/reviews', {
          params: { path: { id: review.bookId } },
          body: { reviewer: review.reviewer, rating: review.rating, body: review.body },
        }),
      );
      return fromWireReview(created);
    },

    watchReviews(watch: WatchOptions = {}) {
      return subscribeEventStream<Review>({
        signals: [closing.signal, ...(watch.signal ? [watch.signal] : [])],
        async open(signal) {
          const body = await unwrap(
            api.GET('/v1/reviews/events', {
              params: { query: watch.bookId === undefined ? {} : { book_id: watch.bookId } },
              headers: { accept: 'text/event-stream' },
              parseAs: 'stream',
              signal,
            }),
          );
          if (body === null) throw new ClientError('internal', 'the event stream has no body');
          return body;
        },
        decode(event) {
          if (event.event === 'review') return fromWireReview(JSON.parse(event.data) as WireReview);
          // The server cuts off a subscriber that fell too far behind, saying why.
          if (event.event === 'error') throw fromProblem(JSON.parse(event.data), 0);
          return undefined;
        },
      });
    },

    async importReviews(reviews) {
      try {
        const response = await dispatcher.request({
          origin: endpoints.http,
          path: '/v1/reviews/import',
          method: 'POST',
          headers: { 'content-type': NDJSON, accept: 'application/json' },
          body: Readable.from(writeNdjson(reviews, toWireReviewImportLine)),
          signal: closing.signal,
        });
        const text = await response.body.text();
        if (response.statusCode !== 200) {
          throw fromProblem(parseJsonOrText(text), response.statusCode, { listName: 'reviews' });
        }
        const result = JSON.parse(text) as components['schemas']['ImportResult'];
        return result.imported;
      } catch (err) {
        throw toClientError(err);
      }
    },

    chat(room) {
      const session = openChatSocket(endpoints.http, room);
      const tracked = {
        ...session,
        close: async () => {
          chats.delete(tracked);
          await session.close();
        },
      };
      chats.add(tracked);
      return tracked;
    },

    async close() {
      closing.abort();
      await Promise.all([...chats].map((chat) => chat.close()));
      if (ownDispatcher) await dispatcher.close();
    },
  };
}

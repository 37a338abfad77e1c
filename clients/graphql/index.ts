// The GraphQL client: queries and mutations with graphql-request, subscriptions with
// graphql-sse (distinct connections mode, as the server serves them), both over one undici
// keep-alive Agent. Every pattern is one operation, the way GraphQL serves it: the nested read
// is one query (batched by DataLoader on /graphql, N+1 in the server on /graphql-naive), the
// import one mutation with the whole list, the chat a subscription plus mutations.

import { setMaxListeners } from 'node:events';
import { GraphQLClient } from 'graphql-request';
import { createClient as createSseClient } from 'graphql-sse';
import { Agent, type Dispatcher, fetch as undiciFetch } from 'undici';
import {
  type Book,
  type ChatMessage,
  type ChatSession,
  ClientError,
  type Endpoints,
  type LibraryClient,
  type ListBooksParams,
  type NewReview,
  type Page,
  type Review,
  type Unsupported,
  unsupported,
  type WatchOptions,
} from '../contract.ts';
import { VARIANT_TABLE } from '../variants.ts';
import {
  AUTHOR_TREE,
  CATALOG,
  CHAT,
  type ChatResult,
  CREATE_BOOK,
  CREATE_REVIEW,
  DELETE_BOOK,
  GET_BOOK,
  IMPORT_REVIEWS,
  LIST_BOOKS,
  POST_CHAT_MESSAGE,
  REVIEW_ADDED,
  type ReviewAddedResult,
  UPDATE_BOOK,
} from './documents.ts';
import { toClientError } from './errors.ts';
import { subscribe } from './subscription.ts';
import {
  fromGqlAuthorTree,
  fromGqlBook,
  fromGqlChatMessage,
  fromGqlReview,
  toGqlBookInput,
  toGqlBookPatch,
  toGqlGenre,
  toGqlId,
  toGqlReviewInput,
} from './wire.ts';

export interface GraphQLClientOptions {
  /**
   * The undici dispatcher every HTTP call goes through (a wire-accounting Agent, say). The
   * client closes only the Agent it created itself.
   */
  dispatcher?: Dispatcher | undefined;
}

/** Sockets per origin of the client's own Agent; each open subscription holds one. */
export const DEFAULT_CONNECTIONS = 64;

/** Why streamCatalog is n/a: the catalog exists only as one response over GraphQL. */
export const STREAM_CATALOG_UNSUPPORTED: Unsupported = unsupported(
  'the GraphQL server has no @stream/@defer (incremental delivery), so the catalog is one ' +
    'response: use exportCatalog',
);

export function createGraphQLClient(
  endpoints: Endpoints,
  options: GraphQLClientOptions = {},
): LibraryClient {
  const ownDispatcher = options.dispatcher === undefined;
  const dispatcher = options.dispatcher ?? new Agent({ connections: DEFAULT_CONNECTIONS });
  // undici's fetch on this client's dispatcher. The global fetch type names node's bundled
  // undici, a different copy from the undici package, hence the casts.
  const fetchOverAgent = ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input, {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher,
    })) as unknown as typeof fetch;

  const config: ConstructorParameters<typeof GraphQLClient>[1] = {
    fetch: fetchOverAgent,
    // Each document holds one operation, so its name is redundant on the wire; leaving it out
    // also spares graphql-request a parse of the document on every call.
    excludeOperationName: true,
  };
  const graphql = new GraphQLClient(new URL('/graphql', endpoints.http).href, config);
  const graphqlNaive = new GraphQLClient(new URL('/graphql-naive', endpoints.http).href, config);
  const sse = createSseClient({
    url: new URL('/graphql', endpoints.http).href,
    fetchFn: fetchOverAgent,
    // A reconnect would silently miss what was published meanwhile: fail instead.
    retryAttempts: 0,
  });
  // Aborted by close(): ends the subscriptions, which would keep connections busy forever.
  const closing = new AbortController();
  // Every live subscription listens on it (the server-stream scenario opens ten at once); each
  // removes its listener when it ends, so no limit is needed.
  setMaxListeners(0, closing.signal);
  const chats = new Set<ChatSession>();

  async function call<T>(pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (err) {
      throw toClientError(err);
    }
  }

  function openChat(room: string): ChatSession {
    const subscription = subscribe<ChatResult, ChatMessage>(sse, {
      query: CHAT,
      variables: { room },
      pick: (data) => fromGqlChatMessage(data.chat),
      signals: [closing.signal],
    });
    let closed = false;
    const session: ChatSession = {
      ready: subscription.ready,
      async send(sender, text) {
        if (closed) throw new ClientError('failed_precondition', 'the chat session is closed');
        // Joined first, so that this session's own messages appear in its stream.
        await subscription.ready;
        await call(graphql.request(POST_CHAT_MESSAGE, { room, sender, text }));
      },
      messages: subscription,
      async close() {
        closed = true;
        chats.delete(session);
        subscription.cancel();
      },
    };
    chats.add(session);
    return session;
  }

  return {
    variant: 'graphql',
    capabilities: VARIANT_TABLE['graphql'].capabilities,

    async getBook(id) {
      const data = await call(graphql.request(GET_BOOK, { id: toGqlId(id) }));
      return fromGqlBook(data.book);
    },

    async listBooks(params: ListBooksParams = {}): Promise<Page<Book>> {
      const data = await call(
        graphql.request(LIST_BOOKS, {
          first: params.pageSize,
          after: params.cursor,
          genre: params.genre === undefined ? undefined : toGqlGenre(params.genre),
          authorId: params.authorId === undefined ? undefined : toGqlId(params.authorId),
        }),
      );
      const { edges, pageInfo } = data.books;
      return {
        items: edges.map((e) => fromGqlBook(e.node)),
        nextCursor: pageInfo.hasNextPage ? (pageInfo.endCursor ?? undefined) : undefined,
      };
    },

    async createBook(book) {
      const data = await call(graphql.request(CREATE_BOOK, { input: toGqlBookInput(book) }));
      return fromGqlBook(data.createBook);
    },

    async updateBook(id, patch) {
      const data = await call(
        graphql.request(UPDATE_BOOK, { id: toGqlId(id), input: toGqlBookPatch(patch) }),
      );
      return fromGqlBook(data.updateBook);
    },

    async deleteBook(id) {
      await call(graphql.request(DELETE_BOOK, { id: toGqlId(id) }));
    },

    async authorTree(query, strategy) {
      const endpoint = strategy === 'naive' ? graphqlNaive : graphql;
      const data = await call(
        endpoint.request(AUTHOR_TREE, { first: query.authors, latest: query.reviewsPerBook }),
      );
      return data.authors.edges.map((e) => fromGqlAuthorTree(e.node));
    },

    async exportCatalog() {
      const data = await call(graphql.request(CATALOG));
      return data.catalog.map(fromGqlBook);
    },

    // biome-ignore lint/correctness/useYield: n/a for GraphQL; it fails on the first next().
    async *streamCatalog(): AsyncGenerator<Book[]> {
      throw new ClientError('unimplemented', STREAM_CATALOG_UNSUPPORTED.reason);
    },

    async createReview(review: NewReview) {
      const data = await call(graphql.request(CREATE_REVIEW, { input: toGqlReviewInput(review) }));
      return fromGqlReview(data.createReview);
    },

    watchReviews(watch: WatchOptions = {}) {
      return subscribe<ReviewAddedResult, Review>(sse, {
        query: REVIEW_ADDED,
        variables: watch.bookId === undefined ? {} : { bookId: toGqlId(watch.bookId) },
        pick: (data) => fromGqlReview(data.reviewAdded),
        signals: [closing.signal, ...(watch.signal ? [watch.signal] : [])],
      });
    },

    async importReviews(reviews) {
      // GraphQL takes the list as one argument: gather it first.
      const list = [];
      for await (const review of reviews) list.push(toGqlReviewInput(review));
      const data = await call(graphql.request(IMPORT_REVIEWS, { reviews: list }));
      return data.importReviews.importedCount;
    },

    chat: openChat,

    async close() {
      closing.abort();
      await Promise.all([...chats].map((chat) => chat.close()));
      sse.dispose();
      if (ownDispatcher) await dispatcher.close();
    },
  };
}

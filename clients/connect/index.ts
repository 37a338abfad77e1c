// The Connect and gRPC-Web clients as a connect-es user writes them: createClient over the
// generated LibraryService with a connect-node transport, one per variant (protocol, codec,
// HTTP version), every call mode as the promise client offers it.

import * as http from 'node:http';
import type * as http2 from 'node:http2';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  type Client,
  Code,
  ConnectError,
  createClient,
  createContextKey,
  createContextValues,
  type Interceptor,
} from '@connectrpc/connect';
import { createWritableIterable } from '@connectrpc/connect/protocol';
import {
  compressionGzip,
  createConnectTransport,
  createGrpcWebTransport,
  Http2SessionManager,
} from '@connectrpc/connect-node';
import {
  type ChatRequestSchema,
  LibraryService,
} from '../../schemas/gen/es/library/v1/library_pb.ts';
import {
  type AuthorTree,
  type AuthorTreeQuery,
  type Book,
  type ChatMessage,
  type ChatSession,
  ClientError,
  type Endpoints,
  type LibraryClient,
  type ListBooksParams,
  type NestedStrategy,
  type NewReview,
  type Review,
  type Subscription,
  type WatchOptions,
} from '../contract.ts';
import { describeVariant } from '../variants.ts';
import {
  fromAuthor,
  fromAuthorTree,
  fromBook,
  fromChatMessage,
  fromReview,
  required,
  toBook,
  toGenre,
  toUpdateMask,
} from './convert.ts';
import { toClientError } from './errors.ts';

export type ConnectVariant =
  | 'connect-json-h1'
  | 'connect-proto-h1'
  | 'connect-json-h2'
  | 'connect-proto-h2'
  | 'grpc-web-h1'
  | 'grpc-web-h2';

export interface ConnectClientOptions {
  /** HTTP/1.1 variants: the Agent requests go through. The client destroys only its own. */
  agent?: http.Agent | undefined;
  /** HTTP/2 variants: options of the session (`createConnection` for a tap, say). */
  http2SessionOptions?: http2.ClientSessionOptions | undefined;
  /** Interceptors of the transport, after the client's own. */
  interceptors?: Interceptor[] | undefined;
  /**
   * Offer gzip for responses. Off by default: connect-node's transports otherwise offer gzip
   * and brotli and the server compresses, while grpc-js, REST and GraphQL send plain bodies,
   * so byte and latency comparisons would mix compressed and uncompressed payloads.
   */
  compression?: boolean | undefined;
}

/**
 * The servers write response messages of up to 32 MiB (ExportCatalog at the large scale is
 * ~23 MB of protobuf, ~26 MB of JSON). connect-node's client accepts up to 4 GiB by default;
 * matching the servers' limit makes a runaway response fail here rather than exhaust memory.
 */
export const MAX_RESPONSE_MESSAGE_BYTES = 32 * 1024 * 1024;

/**
 * Sockets of the client's own Agent over HTTP/1.1 (node's default is unlimited): the naive
 * nested read sends each level's calls at once, and HTTP/1.1 needs a connection per call in
 * flight. The same cap as the REST client's, so that both HTTP/1.1 columns fan out alike.
 */
export const DEFAULT_SOCKETS = 64;

/** Set on a streaming call to learn when its request messages have all been written. */
const requestWrittenKey = createContextKey<(() => void) | undefined>(undefined, {
  description: 'told once every request message of the call is written',
});

async function* notifyAtEnd<T>(messages: AsyncIterable<T>, onEnd: () => void): AsyncGenerator<T> {
  yield* messages;
  onEnd();
}

/**
 * connect-node pulls a request message only once the previous one's write has completed, so
 * the end of the message iterable is reached once they are all written.
 */
const reportRequestWritten: Interceptor = (next) => (req) => {
  const onWritten = req.contextValues.get(requestWrittenKey);
  if (!req.stream || onWritten === undefined) return next(req);
  return next({ ...req, message: notifyAtEnd(req.message, onWritten) });
};

async function call<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (err) {
    throw toClientError(err);
  }
}

/** A ChatSession that cannot be: every part of it fails with `unimplemented` and the reason. */
function refuseChat(reason: string): ChatSession {
  const error = new ClientError('unimplemented', reason);
  const ready = Promise.reject(error);
  ready.catch(() => {});
  return {
    ready,
    send: () => Promise.reject(error),
    messages: { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }) },
    close: async () => {},
  };
}

export function createConnectClient(
  variant: ConnectVariant,
  endpoints: Endpoints,
  options: ConnectClientOptions = {},
): LibraryClient {
  const spec = describeVariant(variant);
  const capabilities = spec.capabilities;
  const baseUrl = spec.httpVersion === '2' ? endpoints.h2 : endpoints.http;
  // One HTTP/2 connection per client, kept to be closed by close(); over HTTP/1.1 an Agent.
  const sessionManager =
    spec.httpVersion === '2'
      ? new Http2SessionManager(baseUrl, {}, options.http2SessionOptions)
      : undefined;
  const ownAgent =
    spec.httpVersion === '1.1' && options.agent === undefined
      ? new http.Agent({ keepAlive: true, maxSockets: DEFAULT_SOCKETS })
      : undefined;
  const httpOptions =
    sessionManager === undefined
      ? { httpVersion: '1.1' as const, nodeOptions: { agent: options.agent ?? ownAgent } }
      : { httpVersion: '2' as const, sessionManager };
  // Aborted by close(): ends the streams that would otherwise hold the connection.
  const closing = new AbortController();
  // After close() a call fails here; the session manager would open a new connection.
  const refuseWhenClosed: Interceptor = (next) => async (req) => {
    if (closing.signal.aborted) throw new ConnectError('the client is closed', Code.Canceled);
    return await next(req);
  };
  const transportOptions = {
    baseUrl,
    useBinaryFormat: spec.codec === 'protobuf',
    readMaxBytes: MAX_RESPONSE_MESSAGE_BYTES,
    acceptCompression: options.compression ? [compressionGzip] : [],
    interceptors: [refuseWhenClosed, reportRequestWritten, ...(options.interceptors ?? [])],
    ...httpOptions,
  };
  const transport =
    spec.protocol === 'connect'
      ? createConnectTransport(transportOptions)
      : createGrpcWebTransport(transportOptions);
  const client: Client<typeof LibraryService> = createClient(LibraryService, transport);

  /**
   * Resolves once the server is known to hold a stream: on `outcome` (the first message, or
   * the stream's failure), or else on a unary call made once the stream's request is written.
   * connect-node writes response headers with the first message only (its node adapter waits
   * for the first body chunk before writeHead), so a stream with nothing to say yet gives no
   * sign; but connect-node subscribes (or fails the call) in the event-loop turn that reads
   * the request message, before it flushes the answer to a call sent after it. On HTTP/2 both
   * share the connection, which keeps their order; on HTTP/1.1 the unary call takes another
   * connection but leaves only once the stream's request is written to its socket.
   */
  function confirm(outcome: Promise<void>, requestWritten: Promise<void>): Promise<void> {
    const ready = Promise.race([
      outcome,
      requestWritten.then(async () => {
        await nextTurn();
        await call(client.listAuthors({ pageSize: 1 }));
        // One more turn, so that a failure that came in with the answer settles ready first.
        await nextTurn();
      }),
    ]);
    // A caller that never awaits ready must not see an unhandled rejection.
    ready.catch(() => {});
    return ready;
  }

  async function readTreeNaively(query: AuthorTreeQuery): Promise<AuthorTree[]> {
    const { authors } = await call(client.listAuthors({ pageSize: query.authors }));
    // Each level's calls go out together: N+1 over RPC (multiplexed on HTTP/2; over HTTP/1.1
    // one connection per call in flight, up to the Agent's cap).
    const booksByAuthor = await Promise.all(
      authors.map(async (a) => (await call(client.listAuthorBooks({ authorId: a.id }))).books),
    );
    const books = booksByAuthor.flat();
    const reviews = await Promise.all(
      books.map(
        async (b) =>
          (await call(client.listBookReviews({ bookId: b.id, limit: query.reviewsPerBook })))
            .reviews,
      ),
    );
    const reviewsByBook = new Map(books.map((b, i) => [b.id, reviews[i] ?? []]));
    return authors.map((author, i) => ({
      ...fromAuthor(author),
      books: (booksByAuthor[i] ?? []).map((b) => ({
        ...fromBook(b),
        reviews: (reviewsByBook.get(b.id) ?? []).map(fromReview),
      })),
    }));
  }

  async function readTreeBatched(query: AuthorTreeQuery): Promise<AuthorTree[]> {
    const res = await call(
      client.getAuthorTree({ pageSize: query.authors, reviewsPerBook: query.reviewsPerBook }),
    );
    return res.authors.map(fromAuthorTree);
  }

  async function* streamCatalog(): AsyncGenerator<Book[]> {
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, closing.signal]);
    try {
      for await (const chunk of client.streamCatalog({}, { signal })) {
        yield chunk.books.map(fromBook);
      }
    } catch (err) {
      throw toClientError(err);
    } finally {
      // Stopped early: abort, so that the server stops sending the rest of the catalog.
      controller.abort();
    }
  }

  function watchReviews(options: WatchOptions = {}): Subscription<Review> {
    const controller = new AbortController();
    const signal = AbortSignal.any(
      [controller.signal, closing.signal, options.signal].filter((s) => s !== undefined),
    );
    let onWritten = () => {};
    const written = new Promise<void>((resolve) => {
      onWritten = resolve;
    });
    const responses = client
      .watchReviews(
        { bookId: options.bookId },
        { signal, contextValues: createContextValues().set(requestWrittenKey, onWritten) },
      )
      [Symbol.asyncIterator]();
    // Asking for the first message now sends the request and surfaces an early failure.
    const first = responses.next();
    first.catch(() => {});

    async function* reviews(): AsyncGenerator<Review> {
      try {
        for (let r = await first; r.done !== true; r = await responses.next()) {
          yield fromReview(required(r.value.review, 'review'));
        }
      } catch (err) {
        // Cancelled from this side (cancel(), the caller's signal, close()): a quiet end.
        if (!signal.aborted) throw toClientError(err);
      } finally {
        controller.abort();
      }
    }

    const iterator = reviews();
    const outcome = first.then(
      () => {},
      (err: unknown) => {
        throw toClientError(err);
      },
    );
    return {
      ready: confirm(outcome, written),
      cancel: () => controller.abort(),
      [Symbol.asyncIterator]: () => iterator,
    };
  }

  async function importReviews(
    reviews: AsyncIterable<NewReview> | Iterable<NewReview>,
  ): Promise<number> {
    let sourceError: { error: unknown } | undefined;
    async function* requests() {
      try {
        for await (const { bookId, reviewer, rating, body } of reviews) {
          yield { review: { bookId, reviewer, rating, body } };
        }
      } catch (error) {
        sourceError = { error };
        // Failing the request stream resets it, but node's http2 stream.close() half-closes
        // before it resets, so a server may take the call for a complete import. A last
        // message no server accepts (a review of no book) makes that import fail as well.
        yield {};
        throw error;
      }
    }
    try {
      return (await client.importReviews(requests(), { signal: closing.signal })).importedCount;
    } catch (err) {
      if (sourceError !== undefined) throw sourceError.error;
      throw toClientError(err);
    }
  }

  function chat(room: string): ChatSession {
    if (!capabilities.bidi.supported) return refuseChat(capabilities.bidi.reason);
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, closing.signal]);
    const requests = createWritableIterable<MessageInitShape<typeof ChatRequestSchema>>();
    let halfClosed = false;
    const responses = client.chat(requests, { signal });
    // Read eagerly into an unbounded buffer, so that the call can end (close) whether or not
    // the caller reads: a chat room's traffic is human-sized.
    const inbox = new Readable({ objectMode: true, read() {} });
    let failure: ClientError | undefined;
    let onMessage = () => {};
    const firstMessage = new Promise<void>((resolve) => {
      onMessage = resolve;
    });
    const finished = (async () => {
      try {
        for await (const res of responses) {
          inbox.push(fromChatMessage(required(res.message, 'message')));
          onMessage();
        }
      } catch (err) {
        if (!signal.aborted) failure = toClientError(err);
        controller.abort();
      } finally {
        inbox.push(null);
      }
    })();
    const ended = finished.then(() => {
      throw failure ?? new ClientError('failed_precondition', 'the chat session has ended');
    });
    ended.catch(() => {});
    const write = (request: MessageInitShape<typeof ChatRequestSchema>) =>
      Promise.race([requests.write(request), ended]).catch((err: unknown) => {
        // A failed call also fails the writes waiting on it, with its own error.
        throw failure ?? toClientError(err);
      });

    async function* receive(): AsyncGenerator<ChatMessage> {
      for await (const message of inbox) yield message as ChatMessage;
      if (failure !== undefined) throw failure;
    }

    // The first request names the room and, with no text, only joins it. write() resolves
    // once the transport asks for the next message, that is once this one is written.
    const joined = write({ room });
    joined.catch(() => {});
    return {
      ready: confirm(
        Promise.race([
          firstMessage,
          finished.then(() => {
            if (failure !== undefined) throw failure;
          }),
        ]),
        joined,
      ),
      async send(sender, text) {
        if (halfClosed) throw new ClientError('failed_precondition', 'the chat session is closed');
        await write({ room, sender, text });
      },
      messages: receive(),
      /**
       * Half-closes. The server still sends the room up to this session's last message, then
       * ends the call, which ends `messages`; client.close() cancels a call left open.
       */
      async close() {
        halfClosed = true;
        requests.close();
      },
    };
  }

  return {
    variant,
    capabilities,

    async getBook(id) {
      return fromBook(required((await call(client.getBook({ id }))).book, 'book'));
    },

    async listBooks(params: ListBooksParams = {}) {
      const res = await call(
        client.listBooks({
          pageSize: params.pageSize,
          pageToken: params.cursor,
          genre: params.genre === undefined ? undefined : toGenre(params.genre),
          authorId: params.authorId,
        }),
      );
      return { items: res.books.map(fromBook), nextCursor: res.nextPageToken || undefined };
    },

    async createBook(book) {
      const res = await call(client.createBook({ book: toBook(book) }));
      return fromBook(required(res.book, 'book'));
    },

    async updateBook(id, patch) {
      const res = await call(
        client.updateBook({
          book: { ...toBook(patch), id },
          updateMask: { paths: toUpdateMask(patch) },
        }),
      );
      return fromBook(required(res.book, 'book'));
    },

    async deleteBook(id) {
      await call(client.deleteBook({ id }));
    },

    authorTree(query: AuthorTreeQuery, strategy: NestedStrategy) {
      return strategy === 'naive' ? readTreeNaively(query) : readTreeBatched(query);
    },

    async exportCatalog() {
      return (await call(client.exportCatalog({}))).books.map(fromBook);
    },

    streamCatalog,

    async createReview({ bookId, reviewer, rating, body }) {
      const res = await call(client.createReview({ review: { bookId, reviewer, rating, body } }));
      return fromReview(required(res.review, 'review'));
    },

    watchReviews,
    importReviews,
    chat,

    async close() {
      closing.abort();
      sessionManager?.abort();
      ownAgent?.destroy();
    },
  };
}

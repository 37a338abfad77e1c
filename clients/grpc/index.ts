// The gRPC client as a grpc-js user writes it: the generated LibraryServiceClient (protobufjs
// codecs) on one channel, callbacks turned into promises, streams read as node streams.
// 'grpc' talks to the grpc-js server, 'grpc-connect' to connect-node's gRPC server through the
// same client, so that the two server implementations are compared with one client.

import { once } from 'node:events';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { LibraryServiceClient } from '../../schemas/gen/pbjs/library_grpc_pb.ts';
import type { library } from '../../schemas/gen/pbjs/library_pb.js';
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
import { originOf, VARIANT_TABLE } from '../variants.ts';
import {
  fromAuthor,
  fromAuthorTree,
  fromBook,
  fromChatMessage,
  fromReview,
  required,
  toBook,
  toGenre,
  toReview,
  toUpdateMask,
} from './convert.ts';
import { toClientError } from './errors.ts';

export type GrpcVariant = 'grpc' | 'grpc-connect';

export interface GrpcClientOptions {
  /** grpc-js channel options, applied over the client's own. */
  channelOptions?: Partial<grpc.ChannelOptions> | undefined;
}

/**
 * Both servers send messages of up to 32 MiB (ExportCatalog at the large scale is ~23 MB);
 * grpc-js refuses anything over 4 MiB by default, so the client raises its limit to match.
 */
export const MAX_RECEIVE_MESSAGE_BYTES = 32 * 1024 * 1024;

/** gRPC over HTTP/2 has every call mode, on both servers. */

/** The generated client's full overload: the one TypeScript infers from a method reference. */
type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: grpc.requestCallback<Res>,
) => grpc.ClientUnaryCall;

type StreamCall =
  | grpc.ClientReadableStream<unknown>
  | grpc.ClientWritableStream<never>
  | grpc.ClientDuplexStream<never, unknown>;

function isFailure(status: grpc.StatusObject, cancelledHere: boolean): boolean {
  return !(
    status.code === grpc.status.OK ||
    (status.code === grpc.status.CANCELLED && cancelledHere)
  );
}

export function createGrpcClient(
  variant: GrpcVariant,
  endpoints: Endpoints,
  options: GrpcClientOptions = {},
): LibraryClient {
  const target = new URL(originOf(variant, endpoints)).host;
  const client = new LibraryServiceClient(target, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': MAX_RECEIVE_MESSAGE_BYTES,
    // grpc-js shares one connection between the channels of a process by default; here a
    // client is one connection, so that a new client pays for its own handshake.
    'grpc.use_local_subchannel_pool': 1,
    ...options.channelOptions,
  });
  /** Streaming calls still running: close() cancels them, and they end quietly. */
  const open = new Set<StreamCall>();
  let closed = false;

  /** grpc-js throws synchronously on a closed channel: say it with the canonical code. */
  function assertOpen(): void {
    if (closed) throw new ClientError('cancelled', 'the client is closed');
  }

  function unary<Req, Res>(method: UnaryMethod<Req, Res>, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      assertOpen();
      method.call(client, request, new grpc.Metadata(), {}, (err, response) => {
        if (err) reject(toClientError(err));
        else resolve(required(response, 'response'));
      });
    });
  }

  /** Follows a streaming call until its status, which also carries its failure. */
  function track(call: StreamCall): Promise<grpc.StatusObject> {
    open.add(call);
    // grpc-js also emits a failed status as 'error'; without a listener that would throw.
    call.on('error', () => {});
    return new Promise((resolve) => {
      call.on('status', (status: grpc.StatusObject) => {
        open.delete(call);
        resolve(status);
      });
    });
  }

  /**
   * A server stream as domain values; a consumer that stops early cancels the call. A call
   * cancelled from this side ends quietly when `cancelledHere` says so, else as `cancelled`.
   */
  async function* read<T, U>(
    call: grpc.ClientReadableStream<T>,
    status: Promise<grpc.StatusObject>,
    map: (message: T) => U,
    cancelledHere: () => boolean,
  ): AsyncGenerator<U> {
    try {
      try {
        for await (const message of call) yield map(message as T);
      } catch (err) {
        // A conversion failure is ours; a stream failure is told by the status below.
        if (err instanceof ClientError) throw err;
      }
      const end = await status;
      if (isFailure(end, cancelledHere())) throw toClientError(end);
    } finally {
      call.cancel();
    }
  }

  /**
   * Resolves once the server is known to hold the stream. The grpc-js server sends response
   * headers right after it subscribes (apis/grpc/service.ts). connect-node writes them with
   * the first message only (its node adapter waits for the first body chunk before writeHead),
   * so against it a unary call stands in once the stream's request is on the connection: one
   * channel is one HTTP/2 connection, which delivers the two requests in order, and
   * connect-node subscribes (or fails the call) in the event-loop turn that reads the request
   * message, before it flushes the answer to a call sent after it.
   */
  function confirm(
    call: StreamCall,
    status: Promise<grpc.StatusObject>,
    requestSent: Promise<void>,
  ): Promise<void> {
    const outcome = status.then((end) => {
      if (isFailure(end, false)) throw toClientError(end);
    });
    const signs = [new Promise((resolve) => call.once('metadata', resolve))];
    if (variant !== 'grpc') {
      signs.push(
        requestSent.then(async () => {
          // grpc-js hands a call's messages down through promise-based filters: one turn of
          // the event loop puts them on the connection ahead of the unary call.
          await nextTurn();
          await unary(client.listAuthors, { pageSize: 1 });
        }),
      );
    }
    // One more turn, so that a failure that came in with the sign (connect-node's error
    // response comes with headers) settles ready first.
    const ready = Promise.race([outcome, Promise.race(signs).then(() => nextTurn(undefined))]);
    // A caller that never awaits ready must not see an unhandled rejection.
    ready.catch(() => {});
    return ready;
  }

  async function readTreeNaively(query: AuthorTreeQuery): Promise<AuthorTree[]> {
    const { authors } = await unary(client.listAuthors, { pageSize: query.authors });
    // Each level's calls go out together on the one channel: N+1 over RPC, multiplexed.
    const booksByAuthor = await Promise.all(
      authors.map(async (a) => (await unary(client.listAuthorBooks, { authorId: a.id })).books),
    );
    const books = booksByAuthor.flat();
    const reviews = await Promise.all(
      books.map(
        async (b) =>
          (await unary(client.listBookReviews, { bookId: b.id, limit: query.reviewsPerBook }))
            .reviews,
      ),
    );
    const reviewsByBook = new Map(books.map((b, i) => [b.id, reviews[i] ?? []]));
    return authors.map((author, i) => ({
      ...fromAuthor(author),
      books: (booksByAuthor[i] ?? []).map((b) => ({
        ...fromBook(b),
        reviews: (reviewsByBook.get(b.id ?? 0) ?? []).map(fromReview),
      })),
    }));
  }

  async function readTreeBatched(query: AuthorTreeQuery): Promise<AuthorTree[]> {
    const res = await unary(client.getAuthorTree, {
      pageSize: query.authors,
      reviewsPerBook: query.reviewsPerBook,
    });
    return res.authors.map(fromAuthorTree);
  }

  async function* streamCatalog(): AsyncGenerator<Book[]> {
    assertOpen();
    const call = client.streamCatalog({});
    // A catalog cut short is never a quiet end, whoever cancelled it.
    yield* read(
      call,
      track(call),
      (m: library.v1.StreamCatalogResponse) => m.books.map(fromBook),
      () => false,
    );
  }

  function watchReviews(options: WatchOptions = {}): Subscription<Review> {
    assertOpen();
    const call = client.watchReviews({ bookId: options.bookId });
    const status = track(call);
    let cancelled = false;
    const cancel = () => {
      cancelled = true;
      call.cancel();
    };
    if (options.signal?.aborted) cancel();
    else options.signal?.addEventListener('abort', cancel, { once: true });
    const reviews = read(
      call,
      status,
      (m: library.v1.WatchReviewsResponse) => fromReview(required(m.review, 'review')),
      () => cancelled || closed,
    );
    return {
      ready: confirm(call, status, Promise.resolve()),
      cancel,
      [Symbol.asyncIterator]: () => reviews,
    };
  }

  async function importReviews(
    reviews: AsyncIterable<NewReview> | Iterable<NewReview>,
  ): Promise<number> {
    assertOpen();
    let call: grpc.ClientWritableStream<library.v1.IImportReviewsRequest> | undefined;
    const response = new Promise<library.v1.ImportReviewsResponse>((resolve, reject) => {
      call = client.importReviews((err, res) => {
        if (err) reject(toClientError(err));
        else resolve(required(res, 'response'));
      });
    });
    const writer = required(call, 'call');
    void track(writer);
    let answered = false;
    const settled = response.then(
      () => {
        answered = true;
      },
      () => {
        answered = true;
      },
    );
    try {
      for await (const review of reviews) {
        // The server answered early (it refused the import): the rest would go nowhere.
        if (answered) break;
        if (!writer.write({ review: toReview(review) })) {
          await Promise.race([once(writer, 'drain'), settled]);
        }
      }
      writer.end();
    } catch (err) {
      // The source failed: cancel. grpc-js cancels with node's http2 stream.close(), which
      // half-closes before it resets, so a server may take the call for a complete import;
      // a last message no server accepts (a review of no book) makes that import fail too.
      await Promise.race([new Promise((resolve) => writer.write({}, resolve)), settled]);
      writer.cancel();
      throw err;
    }
    return (await response).importedCount;
  }

  function chat(room: string): ChatSession {
    assertOpen();
    const call = client.chat();
    const status = track(call);
    // Read eagerly into an unbounded buffer, so that the call can end (close) whether or not
    // the caller reads: a chat room's traffic is human-sized.
    const inbox = new Readable({ objectMode: true, read() {} });
    call.on('data', (res: library.v1.ChatResponse) => inbox.push(res));
    void status.then(() => inbox.push(null));

    const ended = status.then((end) => {
      throw isFailure(end, closed)
        ? toClientError(end)
        : new ClientError('failed_precondition', 'the chat session has ended');
    });
    ended.catch(() => {});
    const write = (request: library.v1.IChatRequest) =>
      Promise.race([
        new Promise<void>((resolve, reject) => {
          call.write(request, (err?: Error | null) =>
            err ? reject(toClientError(err)) : resolve(),
          );
        }),
        ended,
      ]);

    async function* receive(): AsyncGenerator<ChatMessage> {
      for await (const res of inbox) {
        yield fromChatMessage(required((res as library.v1.ChatResponse).message, 'message'));
      }
      const end = await status;
      if (isFailure(end, closed)) throw toClientError(end);
    }

    // The first request names the room and, with no text, only joins it.
    const joined = write({ room });
    joined.catch(() => {});
    return {
      ready: confirm(call, status, joined),
      async send(sender, text) {
        if (call.writableEnded)
          throw new ClientError('failed_precondition', 'the chat session is closed');
        await write({ room, sender, text });
      },
      messages: receive(),
      /**
       * Half-closes. The server still sends the room up to this session's last message, then
       * ends the call, which ends `messages`; client.close() cancels a call left open.
       */
      async close() {
        if (call.writableEnded) return;
        const finished = new Promise((resolve) => call.once('finish', resolve));
        call.end();
        await Promise.race([finished, status]);
      },
    };
  }

  return {
    variant,
    capabilities: VARIANT_TABLE[variant].capabilities,

    async getBook(id) {
      return fromBook(required((await unary(client.getBook, { id })).book, 'book'));
    },

    async listBooks(params: ListBooksParams = {}) {
      const res = await unary(client.listBooks, {
        pageSize: params.pageSize,
        pageToken: params.cursor,
        genre: params.genre === undefined ? undefined : toGenre(params.genre),
        authorId: params.authorId,
      });
      return { items: res.books.map(fromBook), nextCursor: res.nextPageToken || undefined };
    },

    async createBook(book) {
      const res = await unary(client.createBook, { book: toBook(book) });
      return fromBook(required(res.book, 'book'));
    },

    async updateBook(id, patch) {
      const res = await unary(client.updateBook, {
        book: { ...toBook(patch), id },
        updateMask: { paths: toUpdateMask(patch) },
      });
      return fromBook(required(res.book, 'book'));
    },

    async deleteBook(id) {
      await unary(client.deleteBook, { id });
    },

    authorTree(query: AuthorTreeQuery, strategy: NestedStrategy) {
      return strategy === 'naive' ? readTreeNaively(query) : readTreeBatched(query);
    },

    async exportCatalog() {
      return (await unary(client.exportCatalog, {})).books.map(fromBook);
    },

    streamCatalog,

    async createReview(review) {
      const res = await unary(client.createReview, { review: toReview(review) });
      return fromReview(required(res.review, 'review'));
    },

    watchReviews,
    importReviews,
    chat,

    async close() {
      closed = true;
      for (const call of open) call.cancel();
      client.close();
    },
  };
}

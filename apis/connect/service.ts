// library.v1.LibraryService written once over the domain; connect-node serves it as Connect,
// gRPC and gRPC-Web. Handlers throw DomainErrors; routes.ts wraps every method to translate
// them, so each handler reads as the domain call it is.

import { create } from '@bufbuild/protobuf';
import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import {
  type ChatRequest,
  type ChatResponse,
  ChatResponseSchema,
  CreateBookResponseSchema,
  CreateReviewResponseSchema,
  DeleteBookResponseSchema,
  ExportCatalogResponseSchema,
  GetAuthorTreeResponseSchema,
  GetBookResponseSchema,
  ImportReviewsResponseSchema,
  type LibraryService,
  ListAuthorBooksResponseSchema,
  ListAuthorsResponseSchema,
  ListBookReviewsResponseSchema,
  ListBooksResponseSchema,
  StreamCatalogResponseSchema,
  UpdateBookResponseSchema,
  WatchReviewsResponseSchema,
} from '../../schemas/gen/es/library/v1/library_pb.ts';
import {
  type Book,
  type ChatMessage,
  DomainError,
  LIMITS,
  type Library,
  type NewReview,
} from '../domain/index.ts';
import {
  fromProtoBookPatch,
  fromProtoGenre,
  fromProtoNewBook,
  fromProtoNewReview,
  toProtoAuthor,
  toProtoAuthorTree,
  toProtoBook,
  toProtoChatMessage,
  toProtoReview,
} from './convert.ts';
import { abortError, invalidArgumentError } from './errors.ts';

/** StreamCatalog's chunk_size when the request leaves it 0, and its upper bound (the .proto's). */
export const STREAM_CATALOG_CHUNK_DEFAULT = 100;
export const STREAM_CATALOG_CHUNK_MAX = 1_000;

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortError(signal);
}

/**
 * One event-loop turn before committing a client stream. node's http2 server ends a request
 * body normally when the stream is reset, and signals the reset (ctx.signal) a few ticks
 * later: the turn lets that land, so a client that resets or drops the connection mid-stream
 * imports nothing. It cannot help against a cancel that half-closes first: node's
 * stream.close(CANCEL), which connect-node's client uses, sends END_STREAM and only then
 * RST_STREAM, and to the server that is a complete request.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** proto3 sends 0 / "" for "not given"; the domain wants undefined there. */
function orUndefined<T extends number | string>(value: T): T | undefined {
  return value === 0 || value === '' ? undefined : value;
}

export function createLibraryService(library: Library): ServiceImpl<typeof LibraryService> {
  return {
    getBook(req, ctx) {
      throwIfAborted(ctx.signal);
      return create(GetBookResponseSchema, { book: toProtoBook(library.getBook(req.id)) });
    },

    listBooks(req, ctx) {
      throwIfAborted(ctx.signal);
      const page = library.listBooks({
        pageSize: orUndefined(req.pageSize),
        cursor: orUndefined(req.pageToken),
        genre: fromProtoGenre(req.genre),
        authorId: orUndefined(req.authorId),
      });
      return create(ListBooksResponseSchema, {
        books: page.items.map(toProtoBook),
        nextPageToken: page.nextCursor ?? '',
      });
    },

    createBook(req, ctx) {
      throwIfAborted(ctx.signal);
      if (req.book === undefined) {
        throw invalidArgumentError([{ field: 'book', description: 'is required' }]);
      }
      const book = library.createBook(fromProtoNewBook(req.book));
      return create(CreateBookResponseSchema, { book: toProtoBook(book) });
    },

    updateBook(req, ctx) {
      throwIfAborted(ctx.signal);
      if (req.book === undefined) {
        throw invalidArgumentError([{ field: 'book', description: 'is required' }]);
      }
      const paths = req.updateMask?.paths ?? [];
      const { patch, badPaths } = fromProtoBookPatch(req.book, paths);
      if (badPaths.length > 0) {
        throw invalidArgumentError(
          badPaths.map((p) => ({
            field: 'update_mask',
            description:
              p === 'id' ? 'id cannot be updated' : `"${p}" is not a mutable field of Book`,
          })),
        );
      }
      const book = library.updateBook(req.book.id, patch);
      return create(UpdateBookResponseSchema, { book: toProtoBook(book) });
    },

    deleteBook(req, ctx) {
      throwIfAborted(ctx.signal);
      library.deleteBook(req.id);
      return create(DeleteBookResponseSchema);
    },

    createReview(req, ctx) {
      throwIfAborted(ctx.signal);
      if (req.review === undefined) {
        throw invalidArgumentError([{ field: 'review', description: 'is required' }]);
      }
      // The domain already names its violations `review.rating` (the request's field).
      const review = library.createReview(fromProtoNewReview(req.review));
      return create(CreateReviewResponseSchema, { review: toProtoReview(review) });
    },

    listAuthors(req, ctx) {
      throwIfAborted(ctx.signal);
      const page = library.listAuthors({
        pageSize: orUndefined(req.pageSize),
        cursor: orUndefined(req.pageToken),
      });
      return create(ListAuthorsResponseSchema, {
        authors: page.items.map(toProtoAuthor),
        nextPageToken: page.nextCursor ?? '',
      });
    },

    listAuthorBooks(req, ctx) {
      throwIfAborted(ctx.signal);
      const books = library.listAuthorBooks(req.authorId);
      return create(ListAuthorBooksResponseSchema, { books: books.map(toProtoBook) });
    },

    listBookReviews(req, ctx) {
      throwIfAborted(ctx.signal);
      const reviews = library.listBookReviews(req.bookId, orUndefined(req.limit));
      return create(ListBookReviewsResponseSchema, { reviews: reviews.map(toProtoReview) });
    },

    getAuthorTree(req, ctx) {
      throwIfAborted(ctx.signal);
      const page = library.authorTree({
        pageSize: orUndefined(req.pageSize),
        cursor: orUndefined(req.pageToken),
        reviewsPerBook: orUndefined(req.reviewsPerBook),
      });
      return create(GetAuthorTreeResponseSchema, {
        authors: page.items.map(toProtoAuthorTree),
        nextPageToken: page.nextCursor ?? '',
      });
    },

    exportCatalog(_req, ctx) {
      throwIfAborted(ctx.signal);
      const books = library.exportCatalog();
      return create(ExportCatalogResponseSchema, { books: books.map(toProtoBook) });
    },

    async *streamCatalog(req, ctx) {
      const size = req.chunkSize === 0 ? STREAM_CATALOG_CHUNK_DEFAULT : req.chunkSize;
      if (size < 1 || size > STREAM_CATALOG_CHUNK_MAX) {
        throw invalidArgumentError([
          { field: 'chunk_size', description: `must be between 1 and ${STREAM_CATALOG_CHUNK_MAX}` },
        ]);
      }
      // iterateCatalog pages by id with the same size, so each chunk is one store query and
      // nothing holds the database between chunks while the client is slow to read.
      let chunk: Book[] = [];
      for (const book of library.iterateCatalog(size)) {
        chunk.push(book);
        if (chunk.length === size) {
          throwIfAborted(ctx.signal);
          yield create(StreamCatalogResponseSchema, { books: chunk.map(toProtoBook) });
          chunk = [];
        }
      }
      throwIfAborted(ctx.signal);
      if (chunk.length > 0) {
        yield create(StreamCatalogResponseSchema, { books: chunk.map(toProtoBook) });
      }
    },

    async *watchReviews(req, ctx) {
      if (req.bookId < 0) {
        throw invalidArgumentError([
          { field: 'book_id', description: 'must be a book id, or 0 for every book' },
        ]);
      }
      // The subscription ends when ctx.signal aborts (deadline, disconnect, shutdown) and
      // when the consumer stops iterating, so a cancelled call leaves no subscriber behind.
      const reviews = library.events.subscribeReviews({
        bookId: orUndefined(req.bookId),
        signal: ctx.signal,
      });
      for await (const review of reviews) {
        yield create(WatchReviewsResponseSchema, { review: toProtoReview(review) });
      }
      throwIfAborted(ctx.signal);
    },

    async importReviews(requests, ctx) {
      // Collect first, write once: a bad message, a cancelled call or a broken stream
      // leaves the store untouched because library.importReviews is all-or-nothing.
      const inputs: NewReview[] = [];
      for await (const req of requests) {
        if (inputs.length === LIMITS.importMax) {
          throw new DomainError(
            'resource_exhausted',
            `an import may hold at most ${LIMITS.importMax} reviews`,
          );
        }
        inputs.push(fromProtoNewReview(req.review));
      }
      await settle();
      throwIfAborted(ctx.signal);
      const created = library.importReviews(inputs);
      return create(ImportReviewsResponseSchema, { importedCount: created.length });
    },

    chat(requests, ctx) {
      return runChat(library, requests, ctx);
    },
  };
}

const READ_DONE = Symbol('read-done');

/**
 * One chat call: the first request names the room and subscribes to it; requests are read
 * beside the delivery loop (each text is posted); after the client half-closes, delivery
 * continues up to the client's own last message, then the call ends with OK.
 */
async function* runChat(
  library: Library,
  requests: AsyncIterable<ChatRequest>,
  ctx: HandlerContext,
): AsyncGenerator<ChatResponse> {
  const inbound = requests[Symbol.asyncIterator]();
  const first = await inbound.next();
  if (first.done) return;
  const room = first.value.room;
  library.checkRoom(room);

  const stop = new AbortController();
  const messages = library.events.subscribeChat(room, {
    signal: AbortSignal.any([ctx.signal, stop.signal]),
  });
  let lastPosted: ChatMessage | undefined;
  let lastDelivered: ChatMessage | undefined;
  const post = (req: ChatRequest) => {
    if (req.room !== room) {
      throw invalidArgumentError([
        { field: 'room', description: `must be "${room}", the room of the first request` },
      ]);
    }
    if (req.text !== '') {
      lastPosted = library.postChatMessage({ room, sender: req.sender, text: req.text });
    }
  };
  const reading = (async (): Promise<typeof READ_DONE> => {
    post(first.value);
    for (let r = await inbound.next(); r.done !== true; r = await inbound.next()) post(r.value);
    return READ_DONE;
  })();
  // The loop may leave (cancel, error) while reading is still pending: never unhandled.
  reading.catch(() => {});

  let halfClosed = false;
  let pending = messages.next();
  try {
    for (;;) {
      if (halfClosed && lastDelivered === lastPosted) return;
      const next = halfClosed ? await pending : await Promise.race([pending, reading]);
      if (next === READ_DONE) {
        halfClosed = true;
        continue;
      }
      if (next.done === true) {
        throwIfAborted(ctx.signal);
        return;
      }
      pending = messages.next();
      if (next.value === lastPosted) lastDelivered = next.value;
      yield create(ChatResponseSchema, { message: toProtoChatMessage(next.value) });
    }
  } finally {
    stop.abort();
  }
}

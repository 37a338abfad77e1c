// library.v1.LibraryService over the domain, for grpc-js: each handler translates its request,
// calls the Library and translates the result or the DomainError back. Streams stop their work
// when the call is cancelled (client cancel, deadline, server shutdown) and honour
// backpressure: a write that returns false waits for 'drain' before the next one.

import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { LibraryServiceServer } from '../../schemas/gen/pbjs/library_grpc_pb.ts';
import type { library } from '../../schemas/gen/pbjs/library_pb.js';
import {
  type ChatMessage,
  DomainError,
  LIMITS,
  type Library,
  type NewReview,
} from '../domain/index.ts';
import {
  fromBookMessage,
  fromGenreMessage,
  fromReviewMessage,
  toAuthorMessage,
  toAuthorTreeMessage,
  toBookMessage,
  toBookPatch,
  toChatMessage,
  toReviewMessage,
} from './convert.ts';
import { toServiceError, withFieldPrefix } from './errors.ts';

/** StreamCatalog: books per message when the request leaves chunk_size at 0, and the most. */
export const CATALOG_CHUNK_DEFAULT = 100;
export const CATALOG_CHUNK_MAX = 1_000;

/** Counts handlers still running, so tests can prove that a cancelled stream let go. */
export interface CallTracker {
  active: number;
}

type AnyWritable<T> = grpc.ServerWritableStream<unknown, T> | grpc.ServerDuplexStream<unknown, T>;

/** 0 means "use the default"; anything else is passed on and validated by the domain. */
function orUndefined<T extends number | string>(value: T | null | undefined): T | undefined {
  return value === 0 || value === '' || value === null ? undefined : value;
}

/** Sets next_page_token only when there is a next page: pbjs would write an empty string. */
function withPageToken<T extends { nextPageToken?: string | null }>(
  response: T,
  cursor: string | undefined,
): T {
  if (cursor !== undefined) response.nextPageToken = cursor;
  return response;
}

function invalid(field: string, description: string): DomainError {
  return new DomainError('invalid_argument', `invalid argument: ${field}: ${description}`, {
    fieldViolations: [{ field, description }],
  });
}

/** Aborts when grpc-js reports the call cancelled: by the client, by its deadline, on shutdown. */
function abortOnCancel(call: {
  cancelled: boolean;
  once(event: 'cancelled', listener: () => void): unknown;
}): AbortSignal {
  const controller = new AbortController();
  if (call.cancelled) controller.abort();
  else call.once('cancelled', () => controller.abort());
  return controller.signal;
}

/** Writes one message; when the stream's buffer is full, waits for 'drain' (or the cancel). */
async function write<T>(call: AnyWritable<T>, message: T, signal: AbortSignal): Promise<void> {
  if (call.write(message)) return;
  await once(call, 'drain', { signal });
}

export function createLibraryService(
  library: Library,
  tracker: CallTracker = { active: 0 },
  onInternalError: (err: unknown) => void = () => {},
): LibraryServiceServer {
  function report(err: unknown): Partial<grpc.StatusObject> {
    const status = toServiceError(err);
    if (status.code === grpc.status.INTERNAL) onInternalError(err);
    return status;
  }

  /** Ends a stream with the status of `err`, unless the call is already gone. */
  function fail(call: AnyWritable<unknown>, err: unknown, signal: AbortSignal): void {
    if (signal.aborted || call.cancelled) return;
    call.emit('error', report(err));
  }

  function unary<Req, Res>(handle: (request: Req) => Res): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      try {
        callback(null, handle(call.request));
      } catch (err) {
        callback(report(err));
      }
    };
  }

  /** Runs a streaming handler body, counted in tracker.active until it has finished. */
  function track(body: () => Promise<void>): void {
    tracker.active++;
    body()
      .catch(onInternalError)
      .finally(() => {
        tracker.active--;
      });
  }

  return {
    getBook: unary((req: library.v1.GetBookRequest) => ({
      book: toBookMessage(library.getBook(req.id)),
    })),

    listBooks: unary((req: library.v1.ListBooksRequest) => {
      const page = library.listBooks({
        pageSize: orUndefined(req.pageSize),
        cursor: orUndefined(req.pageToken),
        genre: fromGenreMessage(req.genre, 'genre'),
        authorId: orUndefined(req.authorId),
      });
      return withPageToken<library.v1.IListBooksResponse>(
        { books: page.items.map(toBookMessage) },
        page.nextCursor,
      );
    }),

    createBook: unary((req: library.v1.CreateBookRequest) => {
      const input = fromBookMessage(req.book);
      return { book: toBookMessage(withFieldPrefix('book.', () => library.createBook(input))) };
    }),

    updateBook: unary((req: library.v1.UpdateBookRequest) => {
      const patch = toBookPatch(req.book, req.updateMask);
      const id = req.book?.id ?? 0;
      return {
        book: toBookMessage(withFieldPrefix('book.', () => library.updateBook(id, patch))),
      };
    }),

    deleteBook: unary((req: library.v1.DeleteBookRequest) => {
      library.deleteBook(req.id);
      return {};
    }),

    createReview: unary((req: library.v1.CreateReviewRequest) => {
      // pbjs decodes an absent message field as null: say so rather than report every field.
      if (!req.review) throw invalid('review', 'is required');
      // The domain already names its violations `review.rating` (the request's field).
      return { review: toReviewMessage(library.createReview(fromReviewMessage(req.review))) };
    }),

    listAuthors: unary((req: library.v1.ListAuthorsRequest) => {
      const page = library.listAuthors({
        pageSize: orUndefined(req.pageSize),
        cursor: orUndefined(req.pageToken),
      });
      return withPageToken<library.v1.IListAuthorsResponse>(
        { authors: page.items.map(toAuthorMessage) },
        page.nextCursor,
      );
    }),

    listAuthorBooks: unary((req: library.v1.ListAuthorBooksRequest) => ({
      books: library.listAuthorBooks(req.authorId).map(toBookMessage),
    })),

    listBookReviews: unary((req: library.v1.ListBookReviewsRequest) => ({
      reviews: library.listBookReviews(req.bookId, orUndefined(req.limit)).map(toReviewMessage),
    })),

    getAuthorTree: unary((req: library.v1.GetAuthorTreeRequest) => {
      const page = library.authorTree({
        pageSize: orUndefined(req.pageSize),
        cursor: orUndefined(req.pageToken),
        reviewsPerBook: orUndefined(req.reviewsPerBook),
      });
      return withPageToken<library.v1.IGetAuthorTreeResponse>(
        { authors: page.items.map(toAuthorTreeMessage) },
        page.nextCursor,
      );
    }),

    exportCatalog: (_call, callback) => {
      try {
        callback(null, { books: library.exportCatalog().map(toBookMessage) });
      } catch (err) {
        callback(report(err));
      }
    },

    streamCatalog: (call) => {
      const signal = abortOnCancel(call);
      track(async () => {
        try {
          const size = call.request.chunkSize || CATALOG_CHUNK_DEFAULT;
          if (size < 1 || size > CATALOG_CHUNK_MAX) {
            throw invalid('chunk_size', `must be between 1 and ${CATALOG_CHUNK_MAX}`);
          }
          let books: library.v1.IBook[] = [];
          // The catalog iterator reads the store in keyset pages, so leaving the loop early
          // (cancel) holds no statement open.
          for (const book of library.iterateCatalog()) {
            if (signal.aborted) return;
            books.push(toBookMessage(book));
            if (books.length === size) {
              await write(call, { books }, signal);
              books = [];
            }
          }
          if (books.length > 0) await write(call, { books }, signal);
          if (!signal.aborted) call.end();
        } catch (err) {
          fail(call, err, signal);
        }
      });
    },

    watchReviews: (call) => {
      const signal = abortOnCancel(call);
      track(async () => {
        try {
          const bookId = call.request.bookId;
          if (bookId < 0) throw invalid('book_id', 'must be a positive integer, or 0 for all');
          const reviews = library.events.subscribeReviews({
            bookId: orUndefined(bookId),
            signal,
          });
          // Headers go out once the subscription exists: a client that waits for them knows
          // that every review created from then on will reach it.
          call.sendMetadata(new grpc.Metadata());
          for await (const review of reviews) {
            await write(call, { review: toReviewMessage(review) }, signal);
          }
          // The subscription also ends on library.close() (shutdown): end the call cleanly.
          if (!signal.aborted) call.end();
        } catch (err) {
          fail(call, err, signal);
        }
      });
    },

    importReviews: (call, callback) => {
      const signal = abortOnCancel(call);
      const inputs: NewReview[] = [];
      let settled = false;
      tracker.active++;
      const settle = (err: unknown, response?: library.v1.IImportReviewsResponse) => {
        if (settled) return;
        settled = true;
        tracker.active--;
        call.removeAllListeners('data');
        // A cancelled call has no one to answer, and nothing was written.
        if (signal.aborted) return;
        if (err === null) callback(null, response);
        else callback(report(err));
      };
      signal.addEventListener('abort', () => settle(null), { once: true });
      call.on('data', (req: library.v1.ImportReviewsRequest) => {
        if (inputs.length >= LIMITS.importMax) {
          settle(
            new DomainError(
              'resource_exhausted',
              `an import may hold at most ${LIMITS.importMax} reviews`,
            ),
          );
          return;
        }
        inputs.push(fromReviewMessage(req.review));
      });
      call.on('error', (err) => settle(err));
      call.on('end', () => {
        // node's http2 ends the request stream on RST_STREAM too, so a cancelled call first
        // looks half-closed and grpc-js reports the cancel a few ticks later. Commit only after
        // those ticks (setImmediate runs after every pending nextTick and promise job), so
        // that a call cancelled before its half-close never writes.
        setImmediate(() => {
          if (settled || signal.aborted) return;
          if (Date.now() >= Number(call.getDeadline())) {
            settle(new DomainError('deadline_exceeded', 'deadline exceeded before the import'));
            return;
          }
          try {
            // All or nothing: the domain validates every review, then writes in one transaction.
            const created = library.importReviews(inputs);
            settle(null, { importedCount: created.length });
          } catch (err) {
            settle(err);
          }
        });
      });
    },

    chat: (call) => {
      const signal = abortOnCancel(call);
      // Ends the room subscription when the call is cancelled or when this side decides so.
      const subscription = new AbortController();
      signal.addEventListener('abort', () => subscription.abort(), { once: true });
      let room: string | undefined;
      let lastPosted: ChatMessage | undefined;
      // The newest of this session's own messages that went out to it. Not "the last message
      // forwarded": another session may speak after it, and the call must still end.
      let ownForwarded: ChatMessage | undefined;
      let halfClosed = false;
      let finished = false;
      tracker.active++;

      const finish = (err?: unknown) => {
        if (finished) return;
        finished = true;
        tracker.active--;
        subscription.abort();
        call.removeAllListeners('data');
        if (err === undefined) {
          if (!signal.aborted) call.end();
        } else {
          fail(call, err, signal);
        }
      };
      signal.addEventListener('abort', () => finish(), { once: true });

      const forward = async (iterator: AsyncIterableIterator<ChatMessage>) => {
        try {
          for await (const message of iterator) {
            await write(call, { message: toChatMessage(message) }, signal);
            if (message === lastPosted) ownForwarded = message;
            // After the half-close, the client's own last message is the last it waits for.
            if (halfClosed && ownForwarded === lastPosted) break;
          }
          finish();
        } catch (err) {
          finish(err);
        }
      };

      call.on('data', (req: library.v1.ChatRequest) => {
        try {
          const joining = room === undefined;
          if (room === undefined) {
            library.checkRoom(req.room);
            room = req.room;
            const messages = library.events.subscribeChat(room, { signal: subscription.signal });
            // As in WatchReviews: headers tell the client it is in the room.
            call.sendMetadata(new grpc.Metadata());
            void forward(messages);
          } else if (req.room !== room) {
            throw invalid('room', `must stay "${room}" for the whole call`);
          }
          // A first request without text only joins; any other request posts its text.
          if (!joining || req.text !== '') {
            lastPosted = library.postChatMessage({
              room: req.room,
              sender: req.sender,
              text: req.text,
            });
          }
        } catch (err) {
          finish(err);
        }
      });
      call.on('error', (err) => finish(err));
      call.on('end', () => {
        halfClosed = true;
        if (finished) return;
        // Nothing posted, or its echo already sent (whatever came after it): nothing more to
        // wait for.
        if (ownForwarded === lastPosted) finish();
      });
    },
  };
}

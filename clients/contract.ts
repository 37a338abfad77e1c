// One client interface for the whole contract. Every protocol variant implements it the way a
// user of that protocol would, so that the shootout drives them all through the same calls and
// the contract suite (contract.spec.ts) proves they return the same domain data.

import type {
  AuthorTree,
  Book,
  BookPatch,
  ChatMessage,
  Genre,
  NewBook,
  NewReview,
  Page,
  Review,
} from '../schemas/model/library.ts';

export type {
  Author,
  AuthorTree,
  Book,
  BookPatch,
  ChatMessage,
  Genre,
  NewBook,
  NewChatMessage,
  NewReview,
  Page,
  Review,
} from '../schemas/model/library.ts';

/** The columns of a shootout: one protocol, one implementation, one transport. */
export const VARIANTS = [
  'rest', // express over HTTP/1.1, undici client
  'graphql', // yoga over HTTP/1.1 (DataLoader on /graphql, off on /graphql-naive)
  'grpc', // grpc-js client -> grpc-js server, HTTP/2
  'grpc-connect', // grpc-js client -> connect-node's gRPC server, HTTP/2 (a second server implementation)
  'connect-json-h1', // connect-node client and server, Connect protocol, JSON, HTTP/1.1
  'connect-proto-h1', // the same with binary protobuf
  'connect-json-h2', // Connect protocol, JSON, HTTP/2
  'connect-proto-h2', // Connect protocol, binary, HTTP/2
  'grpc-web-h1', // gRPC-Web (binary) over HTTP/1.1, connect-node client and server
  'grpc-web-h2', // gRPC-Web (binary) over HTTP/2
] as const;
export type Variant = (typeof VARIANTS)[number];

/** Where the servers listen. A client uses the one its variant needs. */
/** Options every client takes. */
export interface ClientOptions {
  /**
   * Accept gzip-compressed responses. REST and GraphQL (undici) and gRPC (grpc-js) offer gzip
   * whatever this says; connect-node's transports offer it only when this is true. Whether a
   * response is compressed is the server's choice (`serve --compression`).
   */
  compression?: boolean | undefined;
}

export interface Endpoints {
  /** HTTP/1.1 server: REST, GraphQL, Connect and gRPC-Web (`http://host:port`). */
  http: string;
  /** connect-node HTTP/2 cleartext server: Connect, gRPC, gRPC-Web (`http://host:port`). */
  h2: string;
  /** grpc-js server (`host:port`). */
  grpc: string;
}

/**
 * How the nested read (authors -> books -> latest reviews) is fetched:
 * - naive: what a client does without help: REST one request per author and per book, gRPC and
 *   Connect one unary call per item on one channel, GraphQL one query against a server without
 *   DataLoader (the N+1 happens in the server);
 * - batched: REST `?include=books.reviews`, the GetAuthorTree RPC, GraphQL with DataLoader.
 */
export type NestedStrategy = 'naive' | 'batched';

export interface AuthorTreeQuery {
  /** Authors to read (1..100). */
  authors: number;
  /** Latest reviews per book (1..20, default 3). */
  reviewsPerBook?: number | undefined;
}

export interface ListBooksParams {
  pageSize?: number | undefined;
  cursor?: string | undefined;
  genre?: Genre | undefined;
  authorId?: number | undefined;
}

/** A call mode a variant cannot perform, with the reason the report prints as "n/a". */
export interface Unsupported {
  supported: false;
  reason: string;
}
export type Capability = { supported: true } | Unsupported;

export interface Capabilities {
  unary: Capability;
  serverStream: Capability;
  clientStream: Capability;
  bidi: Capability;
}

export interface WatchOptions {
  bookId?: number | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * A server stream the client has opened. `ready` resolves once the server has confirmed the
 * subscription (response headers, SSE comment, or first frame), so that a benchmark publishes
 * only after every subscriber listens.
 */
export interface Subscription<T> extends AsyncIterable<T> {
  ready: Promise<void>;
  /** Ends the stream from the client side. */
  cancel(): void;
}

export interface ChatSession {
  /** Resolves once the room is joined (messages sent after it are delivered to this session). */
  ready: Promise<void>;
  send(sender: string, text: string): Promise<void>;
  /** Every message of the room, this session's own included, in server order. */
  messages: AsyncIterable<ChatMessage>;
  /** Half-closes (no more sends) and ends the session. */
  close(): Promise<void>;
}

export interface LibraryClient {
  readonly variant: Variant;
  readonly capabilities: Capabilities;

  getBook(id: number): Promise<Book>;
  listBooks(params?: ListBooksParams): Promise<Page<Book>>;
  createBook(book: NewBook): Promise<Book>;
  /** Changes only the fields present in `patch` (a field mask where the protocol has one). */
  updateBook(id: number, patch: BookPatch): Promise<Book>;
  deleteBook(id: number): Promise<void>;

  /** The first `authors` authors with their books and each book's latest reviews. */
  authorTree(query: AuthorTreeQuery, strategy: NestedStrategy): Promise<AuthorTree[]>;

  /** The whole catalog as one response. */
  exportCatalog(): Promise<Book[]>;
  /** The whole catalog as a stream of chunks (NDJSON lines for REST; n/a for GraphQL). */
  streamCatalog(): AsyncIterable<Book[]>;

  createReview(review: NewReview): Promise<Review>;
  /** New reviews as they are created. */
  watchReviews(options?: WatchOptions): Subscription<Review>;
  /** Imports all reviews or none; resolves with the number imported. */
  importReviews(reviews: AsyncIterable<NewReview> | Iterable<NewReview>): Promise<number>;
  /** Joins a chat room over the variant's bidirectional mechanism. */
  chat(room: string): ChatSession;

  /** Closes connections; the client is unusable afterwards. */
  close(): Promise<void>;
}

/** Thrown by every client: the canonical code whatever the protocol said it with. */
export class ClientError extends Error {
  override name = 'ClientError';
  constructor(
    readonly code: string,
    message: string,
    readonly fieldViolations: { field: string; description: string }[] = [],
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
  }
}

export function unsupported(reason: string): Unsupported {
  return { supported: false, reason };
}

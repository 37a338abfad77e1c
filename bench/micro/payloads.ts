// Each scenario's payload through each codec: how the domain value becomes that codec's message
// (built once, outside any timing), how the message is encoded and decoded, and how a decoded
// message reads back as domain data (the shared clients' own decoders) for the round-trip check.

import {
  create,
  type DescMessage,
  fromBinary,
  fromJsonString,
  type MessageInitShape,
  type MessageShape,
  toBinary,
  toJsonString,
} from '@bufbuild/protobuf';
import * as esConvert from '../../clients/connect/convert.ts';
import type { AuthorTree, Book, ChatMessage, NewReview, Page } from '../../clients/contract.ts';
import {
  type GqlAuthorTree,
  type GqlBook,
  type GqlChatMessage,
  type GqlReviewInput,
  IMPORT_REVIEWS,
} from '../../clients/graphql/documents.ts';
import {
  fromGqlAuthorTree,
  fromGqlBook,
  fromGqlChatMessage,
  toGqlReviewInput,
} from '../../clients/graphql/wire.ts';
import * as pbConvert from '../../clients/grpc/convert.ts';
import {
  fromWireAuthorTree,
  fromWireBook,
  fromWireChatMessage,
  toWireReviewImportLine,
  type WireAuthorTree,
  type WireBook,
  type WireChatMessage,
  type WireReviewImportLine,
} from '../../clients/rest/wire.ts';
import {
  ChatResponseSchema,
  ExportCatalogResponseSchema,
  GetAuthorTreeResponseSchema,
  GetBookResponseSchema,
  ImportReviewsRequestSchema,
  ListBooksResponseSchema,
} from '../../schemas/gen/es/library/v1/library_pb.ts';
import { library } from '../../schemas/gen/pbjs/library_pb.js';
import type { MicroData } from './data.ts';
import {
  fromGqlReviewInput,
  fromWireReviewImportLine,
  toEsAuthorTree,
  toEsBook,
  toEsChatMessage,
  toEsNewReview,
  toGqlAuthorTree,
  toGqlBook,
  toGqlChatMessage,
  toPbAuthorTree,
  toPbBook,
  toPbChatMessage,
  toPbNewReview,
  toWireAuthorTree,
  toWireBook,
  toWireChatMessage,
} from './messages.ts';

export const CODECS = [
  'rest-json', // the REST body: snake_case JSON, JSON.stringify / JSON.parse
  'graphql-json', // the GraphQL body {"data": ...}: camelCase, string ids, enum names
  'protobufjs', // the generated static code: encode().finish() / decode() (grpc-js here)
  'protobuf-es-binary', // toBinary / fromBinary (connect-proto, gRPC over connect-node, gRPC-Web)
  'protobuf-es-json', // toJsonString / fromJsonString, proto3 JSON (connect-json)
] as const;
export type CodecName = (typeof CODECS)[number];

/**
 * What a codec produces: text for the JSON codecs (sized as UTF-8), bytes for protobuf, and a
 * list of either for a stream of messages (the import, one message per review).
 */
export type Encoded = string | Uint8Array | readonly (string | Uint8Array)[];

/** One payload in one codec's form. */
interface Wire<D, M, E extends Encoded> {
  toMessage(domain: D): M;
  encode(message: M): E;
  decode(encoded: E): M;
  fromMessage(message: M): D;
}

/** A payload ready to time in one codec: the message is built and encoded once, up front. */
export interface PreparedCodec {
  /** The encoded payload: what decode() reads, and what the sizes are measured on. */
  readonly encoded: Encoded;
  encode(): Encoded;
  decode(): unknown;
  /** The message encoded, decoded and read back as domain data. */
  roundTrip(): unknown;
}

function bindWire<D, M, E extends Encoded>(wire: Wire<D, M, E>): (domain: D) => PreparedCodec {
  return (domain) => {
    const message = wire.toMessage(domain);
    const encoded = wire.encode(message);
    return {
      encoded,
      encode: () => wire.encode(message),
      decode: () => wire.decode(encoded),
      roundTrip: () => wire.fromMessage(wire.decode(wire.encode(message))),
    };
  };
}

function jsonWire<D, M>(toMessage: (d: D) => M, fromMessage: (m: M) => D): Wire<D, M, string> {
  return {
    toMessage,
    encode: (message) => JSON.stringify(message),
    decode: (text) => JSON.parse(text) as M,
    fromMessage,
  };
}

/** The static API pbjs generates for each message type. */
interface PbjsType<M> {
  encode(message: M): { finish(): Uint8Array };
  decode(bytes: Uint8Array): M;
}

function pbjsWire<D, M>(
  type: PbjsType<M>,
  toMessage: (d: D) => M,
  fromMessage: (m: M) => D,
): Wire<D, M, Uint8Array> {
  return {
    toMessage,
    encode: (message) => type.encode(message).finish(),
    decode: (bytes) => type.decode(bytes),
    fromMessage,
  };
}

/** protobuf-es in both of its encodings, from one mapping. */
function esWires<D, Desc extends DescMessage>(
  schema: Desc,
  toInit: (d: D) => MessageInitShape<Desc>,
  fromMessage: (m: MessageShape<Desc>) => D,
): { binary: Wire<D, MessageShape<Desc>, Uint8Array>; json: Wire<D, MessageShape<Desc>, string> } {
  const toMessage = (d: D) => create(schema, toInit(d));
  return {
    binary: {
      toMessage,
      encode: (message) => toBinary(schema, message),
      decode: (bytes) => fromBinary(schema, bytes),
      fromMessage,
    },
    json: {
      toMessage,
      encode: (message) => toJsonString(schema, message),
      decode: (json) => fromJsonString(schema, json),
      fromMessage,
    },
  };
}

/** A stream of messages (a client stream): each item encoded as its own message. */
function streamOf<D, M, E extends string | Uint8Array>(
  wire: Wire<D, M, E>,
): Wire<D[], M[], readonly E[]> {
  return {
    toMessage: (items) => items.map((item) => wire.toMessage(item)),
    encode: (messages) => messages.map((message) => wire.encode(message)),
    decode: (encoded) => encoded.map((e) => wire.decode(e)),
    fromMessage: (messages) => messages.map((message) => wire.fromMessage(message)),
  };
}

export interface Payload {
  /** `payload` of MicroResult, the first part of a benchmark's name. */
  name: string;
  /** The shootout scenario whose payload this is. */
  scenario: string;
  /** A response the server sends, or a request a client sends. */
  direction: 'response' | 'request';
  description: string;
  /** The domain value, and the payload prepared in one codec. */
  prepare(data: MicroData, codec: CodecName): { domain: unknown; codec: PreparedCodec };
}

interface PayloadSpec<D> extends Omit<Payload, 'prepare'> {
  select(data: MicroData): D;
  codecs: Record<CodecName, (domain: D) => PreparedCodec>;
}

function definePayload<D>(spec: PayloadSpec<D>): Payload {
  const { select, codecs, ...about } = spec;
  return {
    ...about,
    prepare(data, codec) {
      const domain = select(data);
      return { domain, codec: codecs[codec](domain) };
    },
  };
}

function required<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`the decoded message has no ${what}`);
  return value;
}

const getBookEs = esWires(
  GetBookResponseSchema,
  (book: Book) => ({ book: toEsBook(book) }),
  (m) => esConvert.fromBook(required(m.book, 'book')),
);

const listBooksEs = esWires(
  ListBooksResponseSchema,
  (page: Page<Book>) => ({ books: page.items.map(toEsBook), nextPageToken: page.nextCursor }),
  (m) => ({ items: m.books.map(esConvert.fromBook), nextCursor: m.nextPageToken || undefined }),
);

const authorTreeEs = esWires(
  GetAuthorTreeResponseSchema,
  (tree: AuthorTree[]) => ({ authors: tree.map(toEsAuthorTree) }),
  (m) => m.authors.map(esConvert.fromAuthorTree),
);

const catalogEs = esWires(
  ExportCatalogResponseSchema,
  (books: Book[]) => ({ books: books.map(toEsBook) }),
  (m) => m.books.map(esConvert.fromBook),
);

const importEs = esWires(
  ImportReviewsRequestSchema,
  (review: NewReview) => ({ review: toEsNewReview(review) }),
  (m): NewReview => {
    const { bookId, reviewer, rating, body } = required(m.review, 'review');
    return { bookId, reviewer, rating, body };
  },
);

const chatEs = esWires(
  ChatResponseSchema,
  (message: ChatMessage) => ({ message: toEsChatMessage(message) }),
  (m) => esConvert.fromChatMessage(required(m.message, 'message')),
);

/** The REST import body: NDJSON, one review per line, each line ended by a newline. */
const importNdjson: Wire<NewReview[], WireReviewImportLine[], string> = {
  toMessage: (reviews) => reviews.map(toWireReviewImportLine),
  encode: (lines) => {
    let body = '';
    for (const line of lines) body += `${JSON.stringify(line)}\n`;
    return body;
  },
  decode: (body) => {
    const lines: WireReviewImportLine[] = [];
    for (const line of body.split('\n')) {
      if (line !== '') lines.push(JSON.parse(line) as WireReviewImportLine);
    }
    return lines;
  },
  fromMessage: (lines) => lines.map(fromWireReviewImportLine),
};

interface GqlRequest<V> {
  query: string;
  variables: V;
  operationName: string;
}

const IMPORT_QUERY = String(IMPORT_REVIEWS);

/**
 * The cursor of the nested read is not part of the payloads: the client contract returns the
 * tree without it, so no codec can carry the server's real value (a dozen bytes in about 500 KB).
 */
export const PAYLOADS: readonly Payload[] = [
  definePayload<Book>({
    name: 'get-book',
    scenario: 'crud-read',
    direction: 'response',
    description: 'GetBook: one book',
    select: (data) => data.book,
    codecs: {
      'rest-json': bindWire(jsonWire<Book, WireBook>(toWireBook, fromWireBook)),
      'graphql-json': bindWire(
        jsonWire<Book, { data: { book: GqlBook } }>(
          (book) => ({ data: { book: toGqlBook(book) } }),
          (m) => fromGqlBook(m.data.book),
        ),
      ),
      protobufjs: bindWire(
        pbjsWire(
          library.v1.GetBookResponse,
          (book: Book): library.v1.IGetBookResponse => ({ book: toPbBook(book) }),
          (m) => pbConvert.fromBook(required(m.book, 'book')),
        ),
      ),
      'protobuf-es-binary': bindWire(getBookEs.binary),
      'protobuf-es-json': bindWire(getBookEs.json),
    },
  }),
  definePayload<Page<Book>>({
    name: 'list-books',
    scenario: 'list',
    direction: 'response',
    description: 'ListBooks: the first page of 20',
    select: (data) => data.page,
    codecs: {
      'rest-json': bindWire(
        jsonWire<Page<Book>, { books: WireBook[]; next_page_token?: string }>(
          (page) => ({
            books: page.items.map(toWireBook),
            ...(page.nextCursor !== undefined && { next_page_token: page.nextCursor }),
          }),
          (m) => ({ items: m.books.map(fromWireBook), nextCursor: m.next_page_token }),
        ),
      ),
      'graphql-json': bindWire(
        jsonWire<
          Page<Book>,
          {
            data: {
              books: {
                edges: { node: GqlBook }[];
                pageInfo: { hasNextPage: boolean; endCursor: string | null };
              };
            };
          }
        >(
          (page) => ({
            data: {
              books: {
                edges: page.items.map((book) => ({ node: toGqlBook(book) })),
                pageInfo: {
                  hasNextPage: page.nextCursor !== undefined,
                  endCursor: page.nextCursor ?? null,
                },
              },
            },
          }),
          ({ data: { books } }) => ({
            items: books.edges.map((e) => fromGqlBook(e.node)),
            nextCursor: books.pageInfo.hasNextPage
              ? (books.pageInfo.endCursor ?? undefined)
              : undefined,
          }),
        ),
      ),
      protobufjs: bindWire(
        pbjsWire(
          library.v1.ListBooksResponse,
          (page: Page<Book>): library.v1.IListBooksResponse => ({
            books: page.items.map(toPbBook),
            ...(page.nextCursor !== undefined && { nextPageToken: page.nextCursor }),
          }),
          (m) => ({
            items: (m.books ?? []).map(pbConvert.fromBook),
            nextCursor: m.nextPageToken || undefined,
          }),
        ),
      ),
      'protobuf-es-binary': bindWire(listBooksEs.binary),
      'protobuf-es-json': bindWire(listBooksEs.json),
    },
  }),
  definePayload<AuthorTree[]>({
    name: 'author-tree',
    scenario: 'nested-batched',
    direction: 'response',
    description: 'the nested read: 20 authors, their books, 3 latest reviews each',
    select: (data) => data.tree,
    codecs: {
      'rest-json': bindWire(
        jsonWire<AuthorTree[], { authors: WireAuthorTree[] }>(
          (tree) => ({ authors: tree.map(toWireAuthorTree) }),
          (m) => m.authors.map(fromWireAuthorTree),
        ),
      ),
      'graphql-json': bindWire(
        jsonWire<AuthorTree[], { data: { authors: { edges: { node: GqlAuthorTree }[] } } }>(
          (tree) => ({
            data: { authors: { edges: tree.map((a) => ({ node: toGqlAuthorTree(a) })) } },
          }),
          (m) => m.data.authors.edges.map((e) => fromGqlAuthorTree(e.node)),
        ),
      ),
      protobufjs: bindWire(
        pbjsWire(
          library.v1.GetAuthorTreeResponse,
          (tree: AuthorTree[]): library.v1.IGetAuthorTreeResponse => ({
            authors: tree.map(toPbAuthorTree),
          }),
          (m) => (m.authors ?? []).map(pbConvert.fromAuthorTree),
        ),
      ),
      'protobuf-es-binary': bindWire(authorTreeEs.binary),
      'protobuf-es-json': bindWire(authorTreeEs.json),
    },
  }),
  definePayload<Book[]>({
    name: 'catalog',
    scenario: 'large-payload',
    direction: 'response',
    description: 'ExportCatalog: every book of the scale in one message',
    select: (data) => data.catalog,
    codecs: {
      'rest-json': bindWire(
        jsonWire<Book[], { books: WireBook[] }>(
          (books) => ({ books: books.map(toWireBook) }),
          (m) => m.books.map(fromWireBook),
        ),
      ),
      'graphql-json': bindWire(
        jsonWire<Book[], { data: { catalog: GqlBook[] } }>(
          (books) => ({ data: { catalog: books.map(toGqlBook) } }),
          (m) => m.data.catalog.map(fromGqlBook),
        ),
      ),
      protobufjs: bindWire(
        pbjsWire(
          library.v1.ExportCatalogResponse,
          (books: Book[]): library.v1.IExportCatalogResponse => ({ books: books.map(toPbBook) }),
          (m) => (m.books ?? []).map(pbConvert.fromBook),
        ),
      ),
      'protobuf-es-binary': bindWire(catalogEs.binary),
      'protobuf-es-json': bindWire(catalogEs.json),
    },
  }),
  definePayload<NewReview[]>({
    name: 'import-reviews',
    scenario: 'client-stream',
    direction: 'request',
    description:
      'ImportReviews: 50 reviews (REST one NDJSON body, GraphQL one mutation, RPC 50 messages)',
    select: (data) => data.imports,
    codecs: {
      'rest-json': bindWire(importNdjson),
      'graphql-json': bindWire(
        jsonWire<NewReview[], GqlRequest<{ reviews: GqlReviewInput[] }>>(
          (reviews) => ({
            query: IMPORT_QUERY,
            variables: { reviews: reviews.map(toGqlReviewInput) },
            operationName: 'ImportReviews',
          }),
          (m) => m.variables.reviews.map(fromGqlReviewInput),
        ),
      ),
      protobufjs: bindWire(
        streamOf(
          pbjsWire(
            library.v1.ImportReviewsRequest,
            (review: NewReview): library.v1.IImportReviewsRequest => ({
              review: toPbNewReview(review),
            }),
            (m): NewReview => {
              const r = required(m.review, 'review');
              return {
                bookId: r.bookId ?? 0,
                reviewer: r.reviewer ?? '',
                rating: r.rating ?? 0,
                body: r.body ?? '',
              };
            },
          ),
        ),
      ),
      'protobuf-es-binary': bindWire(streamOf(importEs.binary)),
      'protobuf-es-json': bindWire(streamOf(importEs.json)),
    },
  }),
  definePayload<ChatMessage>({
    name: 'chat-message',
    scenario: 'bidi',
    direction: 'response',
    description: 'one chat message as the room delivers it',
    select: (data) => data.chat,
    codecs: {
      'rest-json': bindWire(
        jsonWire<ChatMessage, WireChatMessage>(toWireChatMessage, fromWireChatMessage),
      ),
      'graphql-json': bindWire(
        jsonWire<ChatMessage, { data: { chat: GqlChatMessage } }>(
          (message) => ({ data: { chat: toGqlChatMessage(message) } }),
          (m) => fromGqlChatMessage(m.data.chat),
        ),
      ),
      protobufjs: bindWire(
        pbjsWire(
          library.v1.ChatResponse,
          (message: ChatMessage): library.v1.IChatResponse => ({
            message: toPbChatMessage(message),
          }),
          (m) => pbConvert.fromChatMessage(required(m.message, 'message')),
        ),
      ),
      'protobuf-es-binary': bindWire(chatEs.binary),
      'protobuf-es-json': bindWire(chatEs.json),
    },
  }),
];

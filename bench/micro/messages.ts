// Domain values -> each codec's message shape, the way each server renders them: REST's
// snake_case JSON (schemas/openapi), GraphQL's camelCase with string ids and enum names
// (schemas/graphql), and library.v1 messages for protobufjs and protobuf-es. The other
// direction reuses the shared clients' own decoders, so a round trip proves that the bytes carry
// everything a client reads.

import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { toGenre as toEsGenre } from '../../clients/connect/convert.ts';
import type { AuthorTree, Book, ChatMessage, NewReview, Review } from '../../clients/contract.ts';
import type {
  GqlAuthorTree,
  GqlBook,
  GqlChatMessage,
  GqlReview,
  GqlReviewInput,
} from '../../clients/graphql/documents.ts';
import { toGqlGenre, toGqlId } from '../../clients/graphql/wire.ts';
import { toGenre as toPbGenre, toTimestamp as toPbTimestamp } from '../../clients/grpc/convert.ts';
import type { WireReviewImportLine } from '../../clients/rest/wire.ts';
import type {
  AuthorTreeSchema,
  BookSchema,
  ChatMessageSchema,
  ReviewSchema,
} from '../../schemas/gen/es/library/v1/library_pb.ts';
import type { library } from '../../schemas/gen/pbjs/library_pb.js';

// REST ------------------------------------------------------------------------------------
// The server's own rendering (schemas/model/rest-wire.ts), keys in the order it writes them.

export {
  toWireAuthorTree,
  toWireBook,
  toWireChatMessage,
} from '../../schemas/model/rest-wire.ts';

export function fromWireReviewImportLine(line: WireReviewImportLine): NewReview {
  return { bookId: line.book_id, reviewer: line.reviewer, rating: line.rating, body: line.body };
}

// GraphQL ---------------------------------------------------------------------------------
// Keys in the order of the clients' selection sets (clients/graphql/documents.ts), which is
// the order graphql-js writes a response in.

export function toGqlBook(b: Book): GqlBook {
  return {
    id: toGqlId(b.id),
    authorId: toGqlId(b.authorId),
    title: b.title,
    isbn: b.isbn,
    genre: toGqlGenre(b.genre),
    tags: b.tags,
    priceCents: b.priceCents,
    pages: b.pages,
    publishedAt: b.publishedAt,
    description: b.description,
  };
}

export function toGqlReview(r: Review): GqlReview {
  return {
    id: toGqlId(r.id),
    bookId: toGqlId(r.bookId),
    reviewer: r.reviewer,
    rating: r.rating,
    body: r.body,
    createdAt: r.createdAt,
  };
}

export function toGqlAuthorTree(t: AuthorTree): GqlAuthorTree {
  return {
    id: toGqlId(t.id),
    name: t.name,
    country: t.country,
    bio: t.bio,
    bornOn: t.bornOn,
    createdAt: t.createdAt,
    books: t.books.map(({ reviews, ...book }) => ({
      ...toGqlBook(book),
      reviews: reviews.map(toGqlReview),
    })),
  };
}

export function toGqlChatMessage(m: ChatMessage): GqlChatMessage {
  return { room: m.room, sender: m.sender, text: m.text, sentAt: m.sentAt };
}

export function fromGqlReviewInput(r: GqlReviewInput): NewReview {
  return { bookId: Number(r.bookId), reviewer: r.reviewer, rating: r.rating, body: r.body };
}

// protobufjs ------------------------------------------------------------------------------
// Plain objects, as grpc-js hands them to the generated encode(); proto3 defaults are left out
// as the grpc-js server does, so that protobufjs and protobuf-es write the same bytes.

/** The fields of `m` that proto3 would write: no zero numbers, empty strings or empty lists. */
function omitDefaults<T extends object>(m: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(m)) {
    if (value === 0 || value === '' || (Array.isArray(value) && value.length === 0)) continue;
    out[key] = value;
  }
  return out as T;
}

export function toPbBook(b: Book): library.v1.IBook {
  return omitDefaults({
    id: b.id,
    authorId: b.authorId,
    title: b.title,
    isbn: b.isbn,
    genre: toPbGenre(b.genre),
    tags: b.tags,
    priceCents: b.priceCents,
    pages: b.pages,
    publishedAt: toPbTimestamp(b.publishedAt, 'published_at'),
    description: b.description,
  });
}

export function toPbReview(r: Review): library.v1.IReview {
  return omitDefaults({
    id: r.id,
    bookId: r.bookId,
    reviewer: r.reviewer,
    rating: r.rating,
    body: r.body,
    createdAt: toPbTimestamp(r.createdAt, 'created_at'),
  });
}

export function toPbAuthorTree(t: AuthorTree): library.v1.IAuthorTree {
  return {
    author: omitDefaults({
      id: t.id,
      name: t.name,
      country: t.country,
      bio: t.bio,
      bornOn: t.bornOn,
      createdAt: toPbTimestamp(t.createdAt, 'created_at'),
    }),
    books: t.books.map(({ reviews, ...book }) => ({
      book: toPbBook(book),
      reviews: reviews.map(toPbReview),
    })),
  };
}

export function toPbChatMessage(m: ChatMessage): library.v1.IChatMessage {
  return omitDefaults({
    room: m.room,
    sender: m.sender,
    text: m.text,
    sentAt: toPbTimestamp(m.sentAt, 'sent_at'),
  });
}

/** An import request's review: the four fields ImportReviews reads. */
export function toPbNewReview(r: NewReview): library.v1.IReview {
  return omitDefaults({ bookId: r.bookId, reviewer: r.reviewer, rating: r.rating, body: r.body });
}

// protobuf-es -----------------------------------------------------------------------------
// Init shapes for create(); protobuf-es leaves proto3 defaults off the wire by itself.

export function toEsBook(b: Book): MessageInitShape<typeof BookSchema> {
  return {
    ...b,
    genre: toEsGenre(b.genre),
    publishedAt: timestampFromMs(Date.parse(b.publishedAt)),
  };
}

function toEsReview(r: Review): MessageInitShape<typeof ReviewSchema> {
  return { ...r, createdAt: timestampFromMs(Date.parse(r.createdAt)) };
}

export function toEsAuthorTree(t: AuthorTree): MessageInitShape<typeof AuthorTreeSchema> {
  const { books, ...author } = t;
  return {
    author: { ...author, createdAt: timestampFromMs(Date.parse(author.createdAt)) },
    books: books.map(({ reviews, ...book }) => ({
      book: toEsBook(book),
      reviews: reviews.map(toEsReview),
    })),
  };
}

export function toEsChatMessage(m: ChatMessage): MessageInitShape<typeof ChatMessageSchema> {
  return { ...m, sentAt: timestampFromMs(Date.parse(m.sentAt)) };
}

export function toEsNewReview(r: NewReview): MessageInitShape<typeof ReviewSchema> {
  return { bookId: r.bookId, reviewer: r.reviewer, rating: r.rating, body: r.body };
}

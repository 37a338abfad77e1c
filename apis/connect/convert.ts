// Domain values <-> protobuf-es messages of library.v1: enums by an explicit table, RFC 3339
// strings <-> google.protobuf.Timestamp, proto3 defaults (0, "", UNSPECIFIED) <-> absent.

import { create } from '@bufbuild/protobuf';
import { type Timestamp, timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
import {
  AuthorSchema,
  AuthorTreeSchema,
  BookSchema,
  ChatMessageSchema,
  Genre,
  type Author as ProtoAuthor,
  type AuthorTree as ProtoAuthorTree,
  type Book as ProtoBook,
  type ChatMessage as ProtoChatMessage,
  type Review as ProtoReview,
  ReviewSchema,
} from '../../schemas/gen/es/library/v1/library_pb.ts';
import type {
  Author,
  AuthorTree,
  Book,
  BookPatch,
  ChatMessage,
  Genre as DomainGenre,
  NewBook,
  NewReview,
  Review,
} from '../domain/index.ts';

const GENRE_TO_PROTO: Record<DomainGenre, Genre> = {
  fiction: Genre.FICTION,
  non_fiction: Genre.NON_FICTION,
  science: Genre.SCIENCE,
  history: Genre.HISTORY,
  fantasy: Genre.FANTASY,
  mystery: Genre.MYSTERY,
  biography: Genre.BIOGRAPHY,
  poetry: Genre.POETRY,
};

const GENRE_FROM_PROTO = new Map<Genre, DomainGenre>(
  Object.entries(GENRE_TO_PROTO).map(([domain, proto]) => [proto, domain as DomainGenre]),
);

export function toProtoGenre(genre: DomainGenre): Genre {
  return GENRE_TO_PROTO[genre];
}

/**
 * UNSPECIFIED means "not given"; a number outside the enum (proto3 enums are open) becomes
 * a string the domain's validation rejects with a field violation instead of a crash.
 */
export function fromProtoGenre(genre: Genre): DomainGenre | undefined {
  if (genre === Genre.UNSPECIFIED) return undefined;
  return GENRE_FROM_PROTO.get(genre) ?? (`genre_${genre}` as DomainGenre);
}

function toTimestamp(rfc3339: string): Timestamp {
  return timestampFromMs(Date.parse(rfc3339));
}

/** An out-of-range Timestamp becomes '' so that domain validation reports the field. */
function fromTimestamp(ts: Timestamp | undefined): string | undefined {
  if (ts === undefined) return undefined;
  const date = new Date(timestampMs(ts));
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

export function toProtoBook(book: Book): ProtoBook {
  return create(BookSchema, {
    id: book.id,
    authorId: book.authorId,
    title: book.title,
    isbn: book.isbn,
    genre: toProtoGenre(book.genre),
    tags: book.tags,
    priceCents: book.priceCents,
    pages: book.pages,
    publishedAt: toTimestamp(book.publishedAt),
    description: book.description,
  });
}

export function toProtoAuthor(author: Author): ProtoAuthor {
  return create(AuthorSchema, {
    id: author.id,
    name: author.name,
    country: author.country,
    bio: author.bio,
    bornOn: author.bornOn,
    createdAt: toTimestamp(author.createdAt),
  });
}

export function toProtoReview(review: Review): ProtoReview {
  return create(ReviewSchema, {
    id: review.id,
    bookId: review.bookId,
    reviewer: review.reviewer,
    rating: review.rating,
    body: review.body,
    createdAt: toTimestamp(review.createdAt),
  });
}

export function toProtoAuthorTree(tree: AuthorTree): ProtoAuthorTree {
  return create(AuthorTreeSchema, {
    author: toProtoAuthor(tree),
    books: tree.books.map((book) => ({
      book: toProtoBook(book),
      reviews: book.reviews.map(toProtoReview),
    })),
  });
}

export function toProtoChatMessage(message: ChatMessage): ProtoChatMessage {
  return create(ChatMessageSchema, {
    room: message.room,
    sender: message.sender,
    text: message.text,
    sentAt: toTimestamp(message.sentAt),
  });
}

/** Every mutable field of a proto Book, unset enum and timestamp left undefined. */
function fromProtoBookFields(book: ProtoBook): Record<keyof NewBook, unknown> {
  return {
    authorId: book.authorId,
    title: book.title,
    isbn: book.isbn,
    genre: fromProtoGenre(book.genre),
    tags: book.tags,
    priceCents: book.priceCents,
    pages: book.pages,
    publishedAt: fromTimestamp(book.publishedAt),
    description: book.description,
  };
}

/** The domain validates the values; absent ones arrive as undefined and are reported. */
export function fromProtoNewBook(book: ProtoBook): NewBook {
  return fromProtoBookFields(book) as NewBook;
}

/** Proto field names of Book that an update mask may name, with their domain names. */
const MASKABLE_FIELDS: Readonly<Record<string, keyof BookPatch>> = {
  author_id: 'authorId',
  title: 'title',
  isbn: 'isbn',
  genre: 'genre',
  tags: 'tags',
  price_cents: 'priceCents',
  pages: 'pages',
  published_at: 'publishedAt',
  description: 'description',
};

/** What an empty mask means: every field set to a non-default value. */
function isSet(book: ProtoBook, field: keyof BookPatch): boolean {
  switch (field) {
    case 'tags':
      return book.tags.length > 0;
    case 'genre':
      return book.genre !== Genre.UNSPECIFIED;
    case 'publishedAt':
      return book.publishedAt !== undefined;
    default:
      return book[field] !== 0 && book[field] !== '';
  }
}

/**
 * Applies google.protobuf.FieldMask semantics: the named fields (proto names, `*` for all)
 * form the patch; a named field left at its default is a request to clear it, which the
 * domain then refuses or accepts. Returns the bad mask paths as violations.
 */
export function fromProtoBookPatch(
  book: ProtoBook,
  maskPaths: readonly string[],
): { patch: BookPatch; badPaths: string[] } {
  const fields = fromProtoBookFields(book);
  const patch: Record<string, unknown> = {};
  const badPaths: string[] = [];
  const allFields = Object.values(MASKABLE_FIELDS);
  let named: (keyof BookPatch)[];
  if (maskPaths.length === 0) {
    named = allFields.filter((f) => isSet(book, f));
  } else if (maskPaths.includes('*')) {
    named = allFields;
  } else {
    named = [];
    for (const path of maskPaths) {
      const field = MASKABLE_FIELDS[path];
      if (field) named.push(field);
      else badPaths.push(path);
    }
  }
  for (const field of named) patch[field] = fields[field];
  return { patch: patch as BookPatch, badPaths };
}

/** A missing review message becomes an empty object so that validation names every field. */
export function fromProtoNewReview(review: ProtoReview | undefined): NewReview {
  if (review === undefined) return {} as NewReview;
  return {
    bookId: review.bookId,
    reviewer: review.reviewer,
    rating: review.rating,
    body: review.body,
  };
}

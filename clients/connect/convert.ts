// library.v1 protobuf-es messages <-> the domain types of the contract: Genre numbers by the
// .proto's naming rule, google.protobuf.Timestamp <-> RFC 3339 strings. protobuf-es leaves
// proto3 defaults off the wire by itself, so requests are written as plain init objects.

import type { MessageInitShape } from '@bufbuild/protobuf';
import { type Timestamp, timestampDate, timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  type BookSchema,
  type Author as ProtoAuthor,
  type AuthorTree as ProtoAuthorTree,
  type Book as ProtoBook,
  type ChatMessage as ProtoChatMessage,
  Genre as ProtoGenre,
  type Review as ProtoReview,
} from '../../schemas/gen/es/library/v1/library_pb.ts';
import { GENRES } from '../../schemas/model/library.ts';
import {
  type Author,
  type AuthorTree,
  type Book,
  type BookPatch,
  type ChatMessage,
  ClientError,
  type Genre,
  type Review,
} from '../contract.ts';

/** Genre.NON_FICTION (GENRE_NON_FICTION in the .proto) -> 'non_fiction'. */
export function fromGenre(value: ProtoGenre): Genre {
  const name = ProtoGenre[value]?.toLowerCase();
  const genre = GENRES.find((g) => g === name);
  if (genre === undefined) throw new ClientError('internal', `the server sent genre ${value}`);
  return genre;
}

/** A genre the contract does not know maps to UNSPECIFIED, which the server refuses. */
export function toGenre(genre: Genre): ProtoGenre {
  return ProtoGenre[genre.toUpperCase() as keyof typeof ProtoGenre] ?? ProtoGenre.UNSPECIFIED;
}

export function fromTimestamp(ts: Timestamp | undefined): string {
  return (ts === undefined ? new Date(0) : timestampDate(ts)).toISOString();
}

/** A Timestamp cannot say "not a date": refuse one here, as the server would. */
export function toTimestamp(text: string, field: string): Timestamp {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    const description = 'must be an RFC 3339 timestamp';
    throw new ClientError('invalid_argument', `invalid argument: ${field}: ${description}`, [
      { field, description },
    ]);
  }
  return timestampFromMs(ms);
}

/** A message field the contract promises (the book of GetBookResponse, say). */
export function required<T>(value: T | undefined, name: string): T {
  if (value === undefined)
    throw new ClientError('internal', `the server's response has no ${name}`);
  return value;
}

export function fromAuthor(a: ProtoAuthor): Author {
  return {
    id: a.id,
    name: a.name,
    country: a.country,
    bio: a.bio,
    bornOn: a.bornOn,
    createdAt: fromTimestamp(a.createdAt),
  };
}

export function fromBook(b: ProtoBook): Book {
  return {
    id: b.id,
    authorId: b.authorId,
    title: b.title,
    isbn: b.isbn,
    genre: fromGenre(b.genre),
    tags: b.tags,
    priceCents: b.priceCents,
    pages: b.pages,
    publishedAt: fromTimestamp(b.publishedAt),
    description: b.description,
  };
}

export function fromReview(r: ProtoReview): Review {
  return {
    id: r.id,
    bookId: r.bookId,
    reviewer: r.reviewer,
    rating: r.rating,
    body: r.body,
    createdAt: fromTimestamp(r.createdAt),
  };
}

export function fromChatMessage(m: ProtoChatMessage): ChatMessage {
  return { room: m.room, sender: m.sender, text: m.text, sentAt: fromTimestamp(m.sentAt) };
}

export function fromAuthorTree(t: ProtoAuthorTree): AuthorTree {
  return {
    ...fromAuthor(required(t.author, 'author')),
    books: t.books.map((b) => ({
      ...fromBook(required(b.book, 'book')),
      reviews: b.reviews.map(fromReview),
    })),
  };
}

/** The fields present in `patch` (UpdateBook's mask names them). */
export function toBook(patch: BookPatch): MessageInitShape<typeof BookSchema> {
  const { genre, publishedAt, ...scalars } = patch;
  return {
    ...scalars,
    ...(genre !== undefined && { genre: toGenre(genre) }),
    ...(publishedAt !== undefined && {
      publishedAt: toTimestamp(publishedAt, 'book.published_at'),
    }),
  };
}

/** UpdateBook's field mask: the proto names of the fields present in `patch`. */
export function toUpdateMask(patch: BookPatch): string[] {
  return Object.keys(patch)
    .filter((key) => patch[key as keyof BookPatch] !== undefined)
    .map((key) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
}

// library.v1 protobufjs messages <-> the domain types of the contract. Decoded messages carry
// proto3 defaults, Timestamps (whose seconds protobufjs decodes as a Long) and Genre numbers;
// requests leave default values out, as protobuf-es does, so that both codecs send the same bytes.

import { type google, library } from '../../schemas/gen/pbjs/library_pb.js';
import { GENRES } from '../../schemas/model/library.ts';
import {
  type Author,
  type AuthorTree,
  type Book,
  type BookPatch,
  type ChatMessage,
  ClientError,
  type Genre,
  type NewReview,
  type Review,
} from '../contract.ts';

type Timestamp = google.protobuf.ITimestamp;

const GENRE_PREFIX = 'GENRE_';

/** GENRE_NON_FICTION -> 'non_fiction' (the .proto's own rule). */
export function fromGenre(value: library.v1.Genre | null | undefined): Genre {
  const name = library.v1.Genre[value ?? 0]?.slice(GENRE_PREFIX.length).toLowerCase();
  const genre = GENRES.find((g) => g === name);
  if (genre === undefined) throw new ClientError('internal', `the server sent genre ${value}`);
  return genre;
}

/** A genre the contract does not know maps to GENRE_UNSPECIFIED, which the server refuses. */
export function toGenre(genre: Genre): library.v1.Genre {
  const key = `${GENRE_PREFIX}${genre.toUpperCase()}` as keyof typeof library.v1.Genre;
  return library.v1.Genre[key] ?? library.v1.Genre.GENRE_UNSPECIFIED;
}

export function fromTimestamp(ts: Timestamp | null | undefined): string {
  const s = ts?.seconds ?? 0;
  const seconds = typeof s === 'number' ? s : s.toNumber();
  return new Date(seconds * 1000 + Math.floor((ts?.nanos ?? 0) / 1_000_000)).toISOString();
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
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms - seconds * 1000) * 1_000_000;
  return { ...(seconds !== 0 && { seconds }), ...(nanos !== 0 && { nanos }) };
}

/** A message field the contract promises (the book of GetBookResponse, say). */
export function required<T>(value: T | null | undefined, name: string): T {
  if (value === null || value === undefined) {
    throw new ClientError('internal', `the server's response has no ${name}`);
  }
  return value;
}

export function fromAuthor(a: library.v1.IAuthor): Author {
  return {
    id: a.id ?? 0,
    name: a.name ?? '',
    country: a.country ?? '',
    bio: a.bio ?? '',
    bornOn: a.bornOn ?? '',
    createdAt: fromTimestamp(a.createdAt),
  };
}

export function fromBook(b: library.v1.IBook): Book {
  return {
    id: b.id ?? 0,
    authorId: b.authorId ?? 0,
    title: b.title ?? '',
    isbn: b.isbn ?? '',
    genre: fromGenre(b.genre),
    tags: [...(b.tags ?? [])],
    priceCents: b.priceCents ?? 0,
    pages: b.pages ?? 0,
    publishedAt: fromTimestamp(b.publishedAt),
    description: b.description ?? '',
  };
}

export function fromReview(r: library.v1.IReview): Review {
  return {
    id: r.id ?? 0,
    bookId: r.bookId ?? 0,
    reviewer: r.reviewer ?? '',
    rating: r.rating ?? 0,
    body: r.body ?? '',
    createdAt: fromTimestamp(r.createdAt),
  };
}

export function fromChatMessage(m: library.v1.IChatMessage): ChatMessage {
  return {
    room: m.room ?? '',
    sender: m.sender ?? '',
    text: m.text ?? '',
    sentAt: fromTimestamp(m.sentAt),
  };
}

export function fromAuthorTree(t: library.v1.IAuthorTree): AuthorTree {
  return {
    ...fromAuthor(required(t.author, 'author')),
    books: (t.books ?? []).map((b) => ({
      ...fromBook(required(b.book, 'book')),
      reviews: (b.reviews ?? []).map(fromReview),
    })),
  };
}

/** The fields present in `patch`, without proto3 defaults (UpdateBook's mask names them). */
export function toBook(patch: BookPatch): library.v1.IBook {
  const b: library.v1.IBook = {};
  if (patch.authorId) b.authorId = patch.authorId;
  if (patch.title) b.title = patch.title;
  if (patch.isbn) b.isbn = patch.isbn;
  if (patch.genre !== undefined) b.genre = toGenre(patch.genre);
  if (patch.tags?.length) b.tags = patch.tags;
  if (patch.priceCents) b.priceCents = patch.priceCents;
  if (patch.pages) b.pages = patch.pages;
  if (patch.publishedAt !== undefined) {
    b.publishedAt = toTimestamp(patch.publishedAt, 'book.published_at');
  }
  if (patch.description) b.description = patch.description;
  return b;
}

/** UpdateBook's field mask: the proto names of the fields present in `patch`. */
export function toUpdateMask(patch: BookPatch): string[] {
  return Object.keys(patch)
    .filter((key) => patch[key as keyof BookPatch] !== undefined)
    .map((key) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
}

export function toReview(r: NewReview): library.v1.IReview {
  const m: library.v1.IReview = {};
  if (r.bookId) m.bookId = r.bookId;
  if (r.reviewer) m.reviewer = r.reviewer;
  if (r.rating) m.rating = r.rating;
  if (r.body) m.body = r.body;
  return m;
}

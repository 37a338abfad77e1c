// Domain values <-> library.v1 protobufjs messages. Outgoing messages leave proto3 default
// values out, as protobuf-es does, so that both codecs put identical bytes on the wire (the
// pbjs encoder writes any field present on the object, zero or not).

import { type google, library } from '../../schemas/gen/pbjs/library_pb.js';
import {
  type Author,
  type AuthorTree,
  BOOK_MUTABLE_FIELDS,
  type Book,
  type BookPatch,
  type ChatMessage,
  DomainError,
  GENRES,
  type Genre,
  type NewBook,
  type NewReview,
  type Review,
} from '../domain/index.ts';

type Timestamp = google.protobuf.ITimestamp;

const GENRE_TO_PROTO = new Map<Genre, library.v1.Genre>();
const PROTO_TO_GENRE = new Map<number, Genre>();
for (const genre of GENRES) {
  const value = (library.v1.Genre as unknown as Record<string, number | undefined>)[
    `GENRE_${genre.toUpperCase()}`
  ];
  // The contract and the domain must list the same genres; fail at start-up, not per call.
  if (value === undefined) throw new Error(`library.v1.Genre has no value for genre ${genre}`);
  GENRE_TO_PROTO.set(genre, value);
  PROTO_TO_GENRE.set(value, genre);
}

export function toGenreMessage(genre: Genre): library.v1.Genre {
  return GENRE_TO_PROTO.get(genre) ?? library.v1.Genre.GENRE_UNSPECIFIED;
}

/** GENRE_UNSPECIFIED (and absent) is undefined; a number the contract does not know throws. */
export function fromGenreMessage(value: number, field: string): Genre | undefined {
  if (value === library.v1.Genre.GENRE_UNSPECIFIED) return undefined;
  const genre = PROTO_TO_GENRE.get(value);
  if (genre === undefined) {
    throw new DomainError('invalid_argument', `invalid argument: ${field}: unknown genre`, {
      fieldViolations: [{ field, description: `unknown genre ${value}` }],
    });
  }
  return genre;
}

/** RFC 3339 (the domain's millisecond precision) to a Timestamp without zero fields. */
export function toTimestamp(text: string): Timestamp {
  const ms = Date.parse(text);
  const seconds = Math.floor(ms / 1000);
  const nanos = (ms - seconds * 1000) * 1_000_000;
  const ts: Timestamp = {};
  if (seconds !== 0) ts.seconds = seconds;
  if (nanos !== 0) ts.nanos = nanos;
  return ts;
}

/** A decoded Timestamp (seconds may be a Long) to RFC 3339; undefined when out of range. */
export function fromTimestamp(ts: Timestamp): string | undefined {
  const s = ts.seconds ?? 0;
  const seconds = typeof s === 'number' ? s : s.toNumber();
  const date = new Date(seconds * 1000 + Math.trunc((ts.nanos ?? 0) / 1_000_000));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function toAuthorMessage(a: Author): library.v1.IAuthor {
  const m: library.v1.IAuthor = { id: a.id, createdAt: toTimestamp(a.createdAt) };
  if (a.name !== '') m.name = a.name;
  if (a.country !== '') m.country = a.country;
  if (a.bio !== '') m.bio = a.bio;
  if (a.bornOn !== '') m.bornOn = a.bornOn;
  return m;
}

export function toBookMessage(b: Book): library.v1.IBook {
  // id, author, title, isbn, genre and pages are never empty in the domain (validation).
  const m: library.v1.IBook = {
    id: b.id,
    authorId: b.authorId,
    title: b.title,
    isbn: b.isbn,
    genre: toGenreMessage(b.genre),
    tags: b.tags,
    pages: b.pages,
    publishedAt: toTimestamp(b.publishedAt),
  };
  if (b.priceCents !== 0) m.priceCents = b.priceCents;
  if (b.description !== '') m.description = b.description;
  return m;
}

export function toReviewMessage(r: Review): library.v1.IReview {
  const m: library.v1.IReview = {
    id: r.id,
    bookId: r.bookId,
    reviewer: r.reviewer,
    rating: r.rating,
    createdAt: toTimestamp(r.createdAt),
  };
  if (r.body !== '') m.body = r.body;
  return m;
}

/**
 * The new review of CreateReview and ImportReviews: id and created_at are output only;
 * absent fields read as their proto3 defaults, which the domain's validation reports.
 */
export function fromReviewMessage(r: library.v1.IReview | null | undefined): NewReview {
  return {
    bookId: r?.bookId ?? 0,
    reviewer: r?.reviewer ?? '',
    rating: r?.rating ?? 0,
    body: r?.body ?? '',
  };
}

export function toChatMessage(c: ChatMessage): library.v1.IChatMessage {
  return { room: c.room, sender: c.sender, text: c.text, sentAt: toTimestamp(c.sentAt) };
}

export function toAuthorTreeMessage(t: AuthorTree): library.v1.IAuthorTree {
  const { books, ...author } = t;
  return {
    author: toAuthorMessage(author),
    books: books.map(({ reviews, ...book }) => ({
      book: toBookMessage(book),
      reviews: reviews.map(toReviewMessage),
    })),
  };
}

/** Reads one Book field in domain form; absent scalars read as their proto3 default. */
function readBookField(
  b: library.v1.IBook,
  field: (typeof BOOK_MUTABLE_FIELDS)[number],
  prefix: string,
): unknown {
  switch (field) {
    case 'genre':
      return fromGenreMessage(b.genre ?? 0, `${prefix}genre`);
    case 'publishedAt':
      // Absent or out of range: the domain's validation reports the field.
      return b.publishedAt ? (fromTimestamp(b.publishedAt) ?? 'invalid') : undefined;
    case 'tags':
      return [...(b.tags ?? [])];
    case 'authorId':
      return b.authorId ?? 0;
    case 'priceCents':
      return b.priceCents ?? 0;
    case 'pages':
      return b.pages ?? 0;
    default:
      return b[field] ?? '';
  }
}

/** CreateBook's book; id is output only and ignored. */
export function fromBookMessage(b: library.v1.IBook | null | undefined): NewBook {
  const book = b ?? {};
  const out: Record<string, unknown> = {};
  for (const field of BOOK_MUTABLE_FIELDS) out[field] = readBookField(book, field, 'book.');
  return out as unknown as NewBook;
}

/** Mask path (proto field name) -> domain field, for the mutable fields of Book. */
const MASK_FIELDS = new Map<string, (typeof BOOK_MUTABLE_FIELDS)[number]>(
  BOOK_MUTABLE_FIELDS.map((f) => [f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), f]),
);

function isDefault(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === 0 ||
    value === '' ||
    (Array.isArray(value) && value.length === 0)
  );
}

/**
 * UpdateBook's patch (AIP-134): the masked fields, "*" for all of them, and when the mask is
 * absent or empty every field set to a non-default value.
 */
export function toBookPatch(
  b: library.v1.IBook | null | undefined,
  mask: google.protobuf.IFieldMask | null | undefined,
): BookPatch {
  const book = b ?? {};
  const paths = mask?.paths ?? [];
  const patch: Record<string, unknown> = {};
  if (paths.length === 0) {
    for (const field of BOOK_MUTABLE_FIELDS) {
      const raw = (book as Record<string, unknown>)[field];
      if (!isDefault(raw)) patch[field] = readBookField(book, field, 'book.');
    }
    return patch as BookPatch;
  }
  const violations = [];
  const fields = new Set<(typeof BOOK_MUTABLE_FIELDS)[number]>();
  for (const path of paths) {
    if (path === '*') {
      for (const f of BOOK_MUTABLE_FIELDS) fields.add(f);
      continue;
    }
    const field = MASK_FIELDS.get(path);
    if (field) fields.add(field);
    else if (path === 'id') {
      violations.push({ field: 'update_mask', description: 'id cannot be updated' });
    } else {
      violations.push({ field: 'update_mask', description: `unknown field "${path}" of Book` });
    }
  }
  if (violations.length > 0) {
    const summary = violations.map((v) => `${v.field}: ${v.description}`).join('; ');
    throw new DomainError('invalid_argument', `invalid argument: ${summary}`, {
      fieldViolations: violations,
    });
  }
  for (const field of fields) patch[field] = readBookField(book, field, 'book.');
  return patch as BookPatch;
}

// The REST wire shapes (snake_case JSON, typed by the generated OpenAPI schemas) to the domain
// types (camelCase) and back, and violation field paths from wire names to domain names.

import type { components } from '../../schemas/gen/openapi/library.ts';
import type {
  Author,
  AuthorTree,
  Book,
  BookPatch,
  ChatMessage,
  NewBook,
  NewReview,
  Review,
} from '../contract.ts';

type Schemas = components['schemas'];
export type WireBook = Schemas['Book'];
export type WireAuthor = Schemas['Author'];
export type WireAuthorTree = Schemas['AuthorTree'];
export type WireReview = Schemas['Review'];
export type WireChatMessage = Schemas['ChatMessage'];
export type WireBookInput = Schemas['BookInput'];
export type WireBookPatch = Schemas['BookPatch'];
export type WireReviewInput = Schemas['ReviewInput'];
export type WireReviewImportLine = Schemas['ReviewImportLine'];
export type WireProblem = Schemas['Problem'];

export function fromWireBook(b: WireBook): Book {
  return {
    id: b.id,
    authorId: b.author_id,
    title: b.title,
    isbn: b.isbn,
    genre: b.genre,
    tags: b.tags,
    priceCents: b.price_cents,
    pages: b.pages,
    publishedAt: b.published_at,
    description: b.description,
  };
}

export function fromWireAuthor(a: WireAuthor): Author {
  return {
    id: a.id,
    name: a.name,
    country: a.country,
    bio: a.bio,
    bornOn: a.born_on,
    createdAt: a.created_at,
  };
}

export function fromWireReview(r: WireReview): Review {
  return {
    id: r.id,
    bookId: r.book_id,
    reviewer: r.reviewer,
    rating: r.rating,
    body: r.body,
    createdAt: r.created_at,
  };
}

export function fromWireChatMessage(m: WireChatMessage): ChatMessage {
  return { room: m.room, sender: m.sender, text: m.text, sentAt: m.sent_at };
}

export function fromWireAuthorTree(a: WireAuthorTree): AuthorTree {
  return {
    ...fromWireAuthor(a),
    books: a.books.map((b) => ({ ...fromWireBook(b), reviews: b.reviews.map(fromWireReview) })),
  };
}

export function toWireBookInput(b: NewBook): WireBookInput {
  return {
    author_id: b.authorId,
    title: b.title,
    isbn: b.isbn,
    genre: b.genre,
    tags: b.tags,
    price_cents: b.priceCents,
    pages: b.pages,
    published_at: b.publishedAt,
    description: b.description,
  };
}

/** Domain name -> wire name of each mutable book field. */
const BOOK_PATCH_FIELDS = {
  authorId: 'author_id',
  title: 'title',
  isbn: 'isbn',
  genre: 'genre',
  tags: 'tags',
  priceCents: 'price_cents',
  pages: 'pages',
  publishedAt: 'published_at',
  description: 'description',
} as const satisfies Record<keyof BookPatch, keyof WireBookPatch>;

/** Only the fields present in the patch: the body of a merge patch is its field mask. */
export function toWireBookPatch(patch: BookPatch): WireBookPatch {
  const body: Record<string, unknown> = {};
  for (const [domain, wire] of Object.entries(BOOK_PATCH_FIELDS)) {
    const value = patch[domain as keyof BookPatch];
    if (value !== undefined) body[wire] = value;
  }
  return body as WireBookPatch;
}

export function toWireReviewImportLine(r: NewReview): WireReviewImportLine {
  return { book_id: r.bookId, reviewer: r.reviewer, rating: r.rating, body: r.body };
}

// Wire names that are not the plain snake_case of their domain name.
const RENAMED_FIELDS: Readonly<Record<string, string>> = { page_token: 'cursor' };

/** `price_cents` -> `priceCents`, `tags[2]` -> `tags[2]`, `page_token` -> `cursor`. */
export function fromWireFieldPath(path: string): string {
  return path
    .split('.')
    .map((segment) => {
      const renamed = RENAMED_FIELDS[segment];
      if (renamed !== undefined) return renamed;
      return segment.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    })
    .join('.');
}

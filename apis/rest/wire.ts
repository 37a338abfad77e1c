// The REST wire shapes: domain objects (camelCase) to snake_case JSON and back, and the
// renaming of violation field paths, so that every name a REST client sees is snake_case.

import type { BookPatch, FieldViolation, NewBook } from '../domain/index.ts';

export {
  toWireAuthor,
  toWireAuthorTree,
  toWireBook,
  toWireChatMessage,
  toWireReview,
  type WireAuthor,
  type WireAuthorTree,
  type WireBook,
  type WireChatMessage,
  type WireReview,
} from '../../schemas/model/rest-wire.ts';

/** Wire name -> domain name of each mutable book field. */
const BOOK_FIELDS = {
  author_id: 'authorId',
  title: 'title',
  isbn: 'isbn',
  genre: 'genre',
  tags: 'tags',
  price_cents: 'priceCents',
  pages: 'pages',
  published_at: 'publishedAt',
  description: 'description',
} as const satisfies Record<string, keyof NewBook>;

/**
 * A validated create body to the domain's NewBook. tags and description may be left out on
 * the wire (as proto3 leaves out empty fields) and default to empty.
 */
export function fromWireNewBook(body: Record<string, unknown>): NewBook {
  const patch = fromWireBookPatch(body);
  return { tags: [], description: '', ...patch } as NewBook;
}

/** Only the fields present in the body: the field mask of a merge patch. */
export function fromWireBookPatch(body: Record<string, unknown>): BookPatch {
  const patch: Record<string, unknown> = {};
  for (const [wire, domain] of Object.entries(BOOK_FIELDS)) {
    if (body[wire] !== undefined) patch[domain] = body[wire];
  }
  return patch as BookPatch;
}

/**
 * Renames keys of an untrusted object (an NDJSON line, a WebSocket frame) from wire to domain
 * names. Keys outside `names` are reported as unknown fields, not passed on.
 */
export function renameWireKeys(
  input: Record<string, unknown>,
  names: Readonly<Record<string, string>>,
): { value: Record<string, unknown>; unknown: FieldViolation[] } {
  const value: Record<string, unknown> = {};
  const unknown: FieldViolation[] = [];
  for (const [key, v] of Object.entries(input)) {
    const domain = Object.hasOwn(names, key) ? names[key] : undefined;
    if (domain === undefined) unknown.push({ field: key, description: 'unknown field' });
    else value[domain] = v;
  }
  return { value, unknown };
}

// Domain names with a different REST name than their plain snake_case form.
const RENAMED_FIELDS: Readonly<Record<string, string>> = { cursor: 'page_token' };

/** `priceCents` -> `price_cents`, `reviews[3].bookId` -> `reviews[3].book_id`. */
export function toWireFieldPath(path: string): string {
  return path
    .split('.')
    .map((segment) => {
      const snake = segment.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      return RENAMED_FIELDS[snake] ?? snake;
    })
    .join('.');
}

export function toWireViolations(violations: readonly FieldViolation[]): FieldViolation[] {
  return violations.map((v) => ({ field: toWireFieldPath(v.field), description: v.description }));
}

// Value rules of the domain, checked the same way whichever protocol delivered the input.
// Each validator returns the list of violations (empty when valid) so that callers can
// collect them across many items (an import reports every bad line, not only the first).

import type { FieldViolation } from './errors.ts';
import { BOOK_MUTABLE_FIELDS, GENRES, LIMITS } from './model.ts';

type Violations = FieldViolation[];

function join(path: string, field: string): string {
  return path ? `${path}.${field}` : field;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** ISBN-13: 13 digits whose weighted sum (1,3,1,3,...) is a multiple of ten. */
export function isValidIsbn13(isbn: string): boolean {
  if (!/^\d{13}$/.test(isbn)) return false;
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(isbn[i]) * (i % 2 === 0 ? 1 : 3);
  return sum % 10 === 0;
}

/** Completes 12 digits with the ISBN-13 check digit. */
export function withIsbnCheckDigit(first12: string): string {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3);
  return `${first12}${(10 - (sum % 10)) % 10}`;
}

function checkString(
  out: Violations,
  path: string,
  value: unknown,
  opts: { min?: number; max: number; pattern?: RegExp; patternText?: string },
): void {
  if (typeof value !== 'string') {
    out.push({ field: path, description: 'must be a string' });
    return;
  }
  const min = opts.min ?? 0;
  if (value.trim().length < min) {
    out.push({
      field: path,
      description: min === 1 ? 'must not be empty' : `must have at least ${min} characters`,
    });
  } else if (value.length > opts.max) {
    out.push({ field: path, description: `must have at most ${opts.max} characters` });
  } else if (opts.pattern && !opts.pattern.test(value)) {
    out.push({ field: path, description: opts.patternText ?? 'has an invalid format' });
  }
}

function checkInt(out: Violations, path: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    out.push({ field: path, description: 'must be an integer' });
  } else if (value < min || value > max) {
    out.push({ field: path, description: `must be between ${min} and ${max}` });
  }
}

const RFC3339 =
  /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.\d{1,9})?(?:[Zz]|[+-]\d\d:\d\d)$/;

/** Strict RFC 3339 date-time: Date.parse alone accepts February 30 and rolls it over. */
export function isRfc3339(value: string): boolean {
  const m = RFC3339.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as number[];
  const daysInMonth = new Date(Date.UTC(year as number, month as number, 0)).getUTCDate();
  return (
    (month as number) >= 1 &&
    (month as number) <= 12 &&
    (day as number) >= 1 &&
    (day as number) <= daysInMonth &&
    (hour as number) < 24 &&
    (minute as number) < 60 &&
    (second as number) < 60
  );
}

/** The stored form of a timestamp: UTC with millisecond precision, whatever offset came in. */
export function normalizeTimestamp(value: string): string {
  return new Date(value).toISOString();
}

function checkTimestamp(out: Violations, path: string, value: unknown): void {
  if (typeof value !== 'string' || !isRfc3339(value)) {
    out.push({ field: path, description: 'must be an RFC 3339 timestamp' });
  }
}

function checkId(out: Violations, path: string, value: unknown): void {
  checkInt(out, path, value, 1, 2 ** 31 - 1);
}

const bookCheckers: Record<
  (typeof BOOK_MUTABLE_FIELDS)[number],
  (out: Violations, path: string, v: unknown) => void
> = {
  authorId: checkId,
  title: (out, p, v) => checkString(out, p, v, { min: 1, max: LIMITS.titleMax }),
  isbn: (out, p, v) => {
    if (typeof v !== 'string' || !isValidIsbn13(v)) {
      out.push({
        field: p,
        description: 'must be a valid ISBN-13 (13 digits, correct check digit)',
      });
    }
  },
  genre: (out, p, v) => {
    if (typeof v !== 'string' || !(GENRES as readonly string[]).includes(v)) {
      out.push({ field: p, description: `must be one of ${GENRES.join(', ')}` });
    }
  },
  tags: (out, p, v) => {
    if (!Array.isArray(v)) {
      out.push({ field: p, description: 'must be a list of strings' });
      return;
    }
    if (v.length > LIMITS.tagsMax) {
      out.push({ field: p, description: `must have at most ${LIMITS.tagsMax} tags` });
    }
    v.forEach((tag, i) => {
      checkString(out, `${p}[${i}]`, tag, { min: 1, max: LIMITS.tagMax });
    });
  },
  priceCents: (out, p, v) => checkInt(out, p, v, 0, LIMITS.priceCentsMax),
  pages: (out, p, v) => checkInt(out, p, v, 1, LIMITS.pagesMax),
  publishedAt: checkTimestamp,
  description: (out, p, v) => checkString(out, p, v, { max: LIMITS.descriptionMax }),
};

function checkUnknownFields(
  out: Violations,
  path: string,
  input: Record<string, unknown>,
  allowed: readonly string[],
): void {
  for (const key of Object.keys(input)) {
    if (!allowed.includes(key)) out.push({ field: join(path, key), description: 'unknown field' });
  }
}

export function validateNewBook(input: unknown, path = ''): Violations {
  const out: Violations = [];
  if (!isRecord(input)) return [{ field: path || 'book', description: 'must be an object' }];
  checkUnknownFields(out, path, input, BOOK_MUTABLE_FIELDS);
  for (const field of BOOK_MUTABLE_FIELDS) {
    if (input[field] === undefined) {
      out.push({ field: join(path, field), description: 'is required' });
    } else {
      bookCheckers[field](out, join(path, field), input[field]);
    }
  }
  return out;
}

/** A patch may name any subset of the mutable fields; each named field must be valid. */
export function validateBookPatch(input: unknown, path = ''): Violations {
  const out: Violations = [];
  if (!isRecord(input)) return [{ field: path || 'book', description: 'must be an object' }];
  checkUnknownFields(out, path, input, BOOK_MUTABLE_FIELDS);
  for (const field of BOOK_MUTABLE_FIELDS) {
    if (field in input) bookCheckers[field](out, join(path, field), input[field]);
  }
  return out;
}

const REVIEW_FIELDS = ['bookId', 'reviewer', 'rating', 'body'] as const;

export function validateNewReview(input: unknown, path = ''): Violations {
  const out: Violations = [];
  if (!isRecord(input)) return [{ field: path || 'review', description: 'must be an object' }];
  checkUnknownFields(out, path, input, REVIEW_FIELDS);
  checkId(out, join(path, 'bookId'), input.bookId);
  checkString(out, join(path, 'reviewer'), input.reviewer, { min: 1, max: LIMITS.reviewerMax });
  checkInt(out, join(path, 'rating'), input.rating, 1, 5);
  checkString(out, join(path, 'body'), input.body, { max: LIMITS.reviewBodyMax });
  return out;
}

const ROOM_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;

export function isValidRoom(room: string): boolean {
  return room.length <= LIMITS.roomMax && ROOM_PATTERN.test(room);
}

export function validateNewChatMessage(input: unknown, path = ''): Violations {
  const out: Violations = [];
  if (!isRecord(input)) return [{ field: path || 'message', description: 'must be an object' }];
  checkUnknownFields(out, path, input, ['room', 'sender', 'text']);
  checkString(out, join(path, 'room'), input.room, {
    min: 1,
    max: LIMITS.roomMax,
    pattern: ROOM_PATTERN,
    patternText: 'must be lowercase letters, digits, - or _',
  });
  checkString(out, join(path, 'sender'), input.sender, { min: 1, max: LIMITS.nameMax });
  checkString(out, join(path, 'text'), input.text, { min: 1, max: LIMITS.chatTextMax });
  return out;
}

export function validatePageSize(pageSize: unknown, path = 'pageSize'): Violations {
  const out: Violations = [];
  if (pageSize !== undefined) checkInt(out, path, pageSize, 1, LIMITS.pageSizeMax);
  return out;
}

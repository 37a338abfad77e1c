// The library service: the one place with business rules. Adapters translate their protocol
// to these calls and DomainError back to their protocol; they never touch the store directly.

import DataLoader from 'dataloader';
import { DomainError, invalidArgument, notFound } from './errors.ts';
import { EventBus } from './events.ts';
import type {
  Author,
  AuthorTree,
  Book,
  BookPatch,
  ChatMessage,
  Genre,
  ListAuthorsQuery,
  ListBooksQuery,
  NewBook,
  NewChatMessage,
  NewReview,
  Page,
  Review,
} from './model.ts';
import { GENRES, LIMITS } from './model.ts';
import type { Scale } from './seed.ts';
import { LibraryStore } from './store.ts';
import {
  isValidRoom,
  normalizeTimestamp,
  validateBookPatch,
  validateNewBook,
  validateNewChatMessage,
  validateNewReview,
  validatePageSize,
} from './validation.ts';

export interface LibraryOptions {
  /** SQLite file; in memory when absent. */
  file?: string | undefined;
  seed?: number | undefined;
  scale?: Scale | undefined;
  /** Clock for created_at / sent_at stamps (tests pin it). */
  now?: (() => Date) | undefined;
}

export interface Loaders {
  author: DataLoader<number, Author>;
  book: DataLoader<number, Book>;
  booksByAuthor: DataLoader<number, Book[]>;
  latestReviewsByBook: DataLoader<{ bookId: number; limit: number }, Review[], string>;
}

const CURSOR_PREFIX = 'v1:';

export function encodeCursor(lastId: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${lastId}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, field = 'cursor'): number {
  if (cursor === undefined || cursor === '') return 0;
  const text = Buffer.from(cursor, 'base64url').toString();
  const id = Number(text.slice(CURSOR_PREFIX.length));
  if (!text.startsWith(CURSOR_PREFIX) || !Number.isSafeInteger(id) || id < 0) {
    throw invalidArgument([{ field, description: 'is not a cursor this server issued' }]);
  }
  return id;
}

function requireId(id: number, field = 'id'): void {
  if (!Number.isSafeInteger(id) || id < 1) {
    throw invalidArgument([{ field, description: 'must be a positive integer' }]);
  }
}

function throwIfInvalid(violations: ReturnType<typeof validateNewBook>): void {
  if (violations.length > 0) throw invalidArgument(violations);
}

function reviewLimit(limit: number | undefined, field = 'limit'): number {
  if (limit === undefined) return LIMITS.latestReviewsDefault;
  if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.latestReviewsMax) {
    throw invalidArgument([
      { field, description: `must be between 1 and ${LIMITS.latestReviewsMax}` },
    ]);
  }
  return limit;
}

export class Library {
  readonly store: LibraryStore;
  readonly events = new EventBus();
  readonly seed: number;
  readonly scale: Scale;
  private readonly now: () => Date;

  private constructor(options: LibraryOptions) {
    this.seed = options.seed ?? 42;
    this.scale = options.scale ?? 'default';
    this.now = options.now ?? (() => new Date());
    this.store = new LibraryStore({ file: options.file, seed: this.seed, scale: this.scale });
  }

  /** Opens (creating and seeding if needed) the database. */
  static open(options: LibraryOptions = {}): Library {
    return new Library(options);
  }

  close(): void {
    this.events.close();
    this.store.close();
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  // ---- books -------------------------------------------------------------------------

  getBook(id: number): Book {
    requireId(id);
    const book = this.store.getBook(id);
    if (!book) throw notFound('book', id);
    return book;
  }

  getBooks(ids: readonly number[]): (Book | undefined)[] {
    return this.store.getBooks(ids);
  }

  listBooks(query: ListBooksQuery = {}): Page<Book> {
    const violations = validatePageSize(query.pageSize);
    if (query.genre !== undefined && !(GENRES as readonly string[]).includes(query.genre)) {
      violations.push({ field: 'genre', description: `must be one of ${GENRES.join(', ')}` });
    }
    if (
      query.authorId !== undefined &&
      (!Number.isSafeInteger(query.authorId) || query.authorId < 1)
    ) {
      violations.push({ field: 'authorId', description: 'must be a positive integer' });
    }
    throwIfInvalid(violations);
    const after = decodeCursor(query.cursor);
    const size = query.pageSize ?? LIMITS.pageSizeDefault;
    // One extra row tells whether another page exists without a COUNT query.
    const rows = this.store.listBooks(
      after,
      size + 1,
      query.genre as Genre | undefined,
      query.authorId,
    );
    return this.toPage(rows, size);
  }

  private toPage<T extends { id: number }>(rows: T[], size: number): Page<T> {
    const items = rows.slice(0, size);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > size && last ? encodeCursor(last.id) : undefined };
  }

  createBook(input: NewBook): Book {
    throwIfInvalid(validateNewBook(input));
    const book: NewBook = {
      ...input,
      tags: [...input.tags],
      publishedAt: normalizeTimestamp(input.publishedAt),
    };
    if (!this.store.getAuthor(book.authorId)) {
      throw invalidArgument([
        { field: 'authorId', description: `author ${book.authorId} does not exist` },
      ]);
    }
    if (this.store.bookIdByIsbn(book.isbn) !== undefined) {
      throw new DomainError('already_exists', `a book with ISBN ${book.isbn} already exists`);
    }
    return this.store.insertBook(book);
  }

  updateBook(id: number, patch: BookPatch): Book {
    requireId(id);
    throwIfInvalid(validateBookPatch(patch));
    const current = this.getBook(id);
    const next: Book = { ...current };
    for (const [key, value] of Object.entries(patch)) {
      if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
    }
    next.publishedAt = normalizeTimestamp(next.publishedAt);
    if (patch.authorId !== undefined && patch.authorId !== current.authorId) {
      if (!this.store.getAuthor(patch.authorId)) {
        throw invalidArgument([
          { field: 'authorId', description: `author ${patch.authorId} does not exist` },
        ]);
      }
    }
    if (patch.isbn !== undefined && patch.isbn !== current.isbn) {
      const owner = this.store.bookIdByIsbn(patch.isbn);
      if (owner !== undefined && owner !== id) {
        throw new DomainError('already_exists', `a book with ISBN ${patch.isbn} already exists`);
      }
    }
    this.store.updateBook(next);
    return next;
  }

  deleteBook(id: number): void {
    requireId(id);
    if (!this.store.deleteBook(id)) throw notFound('book', id);
  }

  // ---- authors and the nested read ---------------------------------------------------

  getAuthor(id: number): Author {
    requireId(id);
    const author = this.store.getAuthor(id);
    if (!author) throw notFound('author', id);
    return author;
  }

  getAuthors(ids: readonly number[]): (Author | undefined)[] {
    return this.store.getAuthors(ids);
  }

  listAuthors(query: ListAuthorsQuery = {}): Page<Author> {
    throwIfInvalid(validatePageSize(query.pageSize));
    const after = decodeCursor(query.cursor);
    const size = query.pageSize ?? LIMITS.pageSizeDefault;
    return this.toPage(this.store.listAuthors(after, size + 1), size);
  }

  /** Books of one author (the naive nested path: one call per author). */
  listAuthorBooks(authorId: number): Book[] {
    requireId(authorId, 'authorId');
    const books = this.store.booksOfAuthor(authorId);
    // An empty list is ambiguous: only then pay a second query to tell "no books" from "no author".
    if (books.length === 0 && !this.store.getAuthor(authorId)) throw notFound('author', authorId);
    return books;
  }

  booksByAuthorIds(authorIds: readonly number[]): Book[][] {
    return this.store.booksOfAuthors(authorIds);
  }

  listBookReviews(bookId: number, limit?: number): Review[] {
    requireId(bookId, 'bookId');
    const reviews = this.store.reviewsOfBook(bookId, reviewLimit(limit));
    if (reviews.length === 0 && !this.store.getBook(bookId)) throw notFound('book', bookId);
    return reviews;
  }

  latestReviewsByBookIds(bookIds: readonly number[], limit?: number): Review[][] {
    return this.store.latestReviewsOfBooks(bookIds, reviewLimit(limit));
  }

  /** Authors, their books and each book's latest reviews in exactly three queries. */
  authorTree(
    query: ListAuthorsQuery & { reviewsPerBook?: number | undefined } = {},
  ): Page<AuthorTree> {
    const limit = reviewLimit(query.reviewsPerBook, 'reviewsPerBook');
    const page = this.listAuthors(query);
    const books = this.store.booksOfAuthors(page.items.map((a) => a.id));
    const reviews = this.store.latestReviewsOfBooks(
      books.flat().map((b) => b.id),
      limit,
    );
    const reviewsByBook = new Map<number, Review[]>();
    books.flat().forEach((b, i) => {
      reviewsByBook.set(b.id, reviews[i] ?? []);
    });
    return {
      nextCursor: page.nextCursor,
      items: page.items.map((author, i) => ({
        ...author,
        books: (books[i] ?? []).map((b) => ({ ...b, reviews: reviewsByBook.get(b.id) ?? [] })),
      })),
    };
  }

  /**
   * DataLoaders for one request. With `batch: false` every load is its own query and nothing
   * is cached, which is the N+1 behaviour a resolver without DataLoader has.
   */
  createLoaders(options: { batch: boolean; maxBatchSize?: number | undefined }): Loaders {
    const base = options.batch
      ? { batch: true, cache: true, maxBatchSize: options.maxBatchSize ?? 1_000 }
      : { batch: false, cache: false };
    const orNotFound = <T>(kind: string, ids: readonly number[], rows: (T | undefined)[]) =>
      rows.map((row, i) => row ?? notFound(kind, ids[i] ?? 0));
    return {
      author: new DataLoader<number, Author>(
        async (ids) => orNotFound('author', ids, this.getAuthors(ids)),
        base,
      ),
      book: new DataLoader<number, Book>(
        async (ids) => orNotFound('book', ids, this.getBooks(ids)),
        base,
      ),
      booksByAuthor: new DataLoader<number, Book[]>(
        async (ids) => this.booksByAuthorIds(ids),
        base,
      ),
      latestReviewsByBook: new DataLoader<{ bookId: number; limit: number }, Review[], string>(
        async (keys) => {
          // Keys normally share one limit; group by it so that each distinct limit is one query.
          const out: Review[][] = new Array(keys.length);
          const byLimit = new Map<number, number[]>();
          keys.forEach((k, i) => {
            const list = byLimit.get(k.limit);
            if (list) list.push(i);
            else byLimit.set(k.limit, [i]);
          });
          for (const [limit, indexes] of byLimit) {
            const lists = this.latestReviewsByBookIds(
              indexes.map((i) => keys[i]?.bookId ?? 0),
              limit,
            );
            indexes.forEach((keyIndex, j) => {
              out[keyIndex] = lists[j] ?? [];
            });
          }
          return out;
        },
        { ...base, cacheKeyFn: (k) => `${k.bookId}:${k.limit}` },
      ),
    };
  }

  // ---- catalog -----------------------------------------------------------------------

  exportCatalog(): Book[] {
    return this.store.allBooks();
  }

  iterateCatalog(chunkSize?: number): IterableIterator<Book> {
    return this.store.iterateBooks(chunkSize);
  }

  // ---- reviews and chat --------------------------------------------------------------

  createReview(input: NewReview): Review {
    const [review] = this.importReviews([input], 'review');
    return review as Review;
  }

  /**
   * All-or-nothing import: every item is checked (values, then that its book exists) before
   * anything is written, and the write is one transaction.
   */
  importReviews(inputs: readonly NewReview[], path = 'reviews'): Review[] {
    if (inputs.length > LIMITS.importMax) {
      throw new DomainError(
        'resource_exhausted',
        `an import may hold at most ${LIMITS.importMax} reviews, got ${inputs.length}`,
      );
    }
    const single = path === 'review';
    const at = (i: number) => (single ? path : `${path}[${i}]`);
    const violations = inputs.flatMap((r, i) => validateNewReview(r, at(i)));
    if (violations.length === 0) {
      const existing = this.store.existingBookIds([...new Set(inputs.map((r) => r.bookId))]);
      inputs.forEach((r, i) => {
        if (!existing.has(r.bookId)) {
          violations.push({
            field: `${at(i)}.bookId`,
            description: `book ${r.bookId} does not exist`,
          });
        }
      });
    }
    if (violations.length > 0) {
      if (single && violations.every((v) => v.description.endsWith('does not exist'))) {
        throw notFound('book', inputs[0]?.bookId ?? 0);
      }
      throw invalidArgument(violations);
    }
    const created = this.store.insertReviews(
      inputs.map((r) => ({
        bookId: r.bookId,
        reviewer: r.reviewer,
        rating: r.rating,
        body: r.body,
      })),
      this.stamp(),
    );
    for (const review of created) this.events.publishReview(review);
    return created;
  }

  postChatMessage(input: NewChatMessage): ChatMessage {
    throwIfInvalid(validateNewChatMessage(input));
    const message: ChatMessage = {
      room: input.room,
      sender: input.sender,
      text: input.text,
      sentAt: this.stamp(),
    };
    this.events.publishChat(message);
    return message;
  }

  /** Throws invalid_argument when a room name would be refused by postChatMessage. */
  checkRoom(room: string): void {
    if (!isValidRoom(room)) {
      throw invalidArgument([
        { field: 'room', description: 'must be lowercase letters, digits, - or _' },
      ]);
    }
  }

  countReviews(): number {
    return this.store.countReviews();
  }
}

// SQLite persistence (better-sqlite3, synchronous). Every statement goes through `query()`,
// which counts it globally and in the current request's scope, so N+1 stays visible.

import Database from 'better-sqlite3';
import { DomainError } from './errors.ts';
import type { Author, Book, Genre, NewBook, NewReview, Review } from './model.ts';
import { queryScope } from './query-scope.ts';
import { type Dataset, generateDataset, type Scale } from './seed.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS authors (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  country TEXT NOT NULL,
  bio TEXT NOT NULL,
  born_on TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS books (
  id INTEGER PRIMARY KEY,
  author_id INTEGER NOT NULL REFERENCES authors(id),
  title TEXT NOT NULL,
  isbn TEXT NOT NULL UNIQUE,
  genre TEXT NOT NULL,
  tags TEXT NOT NULL,
  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
  pages INTEGER NOT NULL CHECK (pages > 0),
  published_at TEXT NOT NULL,
  description TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS books_by_author ON books(author_id, id);
CREATE INDEX IF NOT EXISTS books_by_genre ON books(genre, id);
CREATE TABLE IF NOT EXISTS reviews (
  id INTEGER PRIMARY KEY,
  book_id INTEGER NOT NULL REFERENCES books(id) ON DELETE CASCADE,
  reviewer TEXT NOT NULL,
  rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  body TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_latest ON reviews(book_id, created_at DESC, id DESC);
`;

interface AuthorRow {
  id: number;
  name: string;
  country: string;
  bio: string;
  born_on: string;
  created_at: string;
}
interface BookRow {
  id: number;
  author_id: number;
  title: string;
  isbn: string;
  genre: string;
  tags: string;
  price_cents: number;
  pages: number;
  published_at: string;
  description: string;
}
interface ReviewRow {
  id: number;
  book_id: number;
  reviewer: string;
  rating: number;
  body: string;
  created_at: string;
}

function toAuthor(r: AuthorRow): Author {
  return {
    id: r.id,
    name: r.name,
    country: r.country,
    bio: r.bio,
    bornOn: r.born_on,
    createdAt: r.created_at,
  };
}
function toBook(r: BookRow): Book {
  return {
    id: r.id,
    authorId: r.author_id,
    title: r.title,
    isbn: r.isbn,
    genre: r.genre as Genre,
    tags: JSON.parse(r.tags) as string[],
    priceCents: r.price_cents,
    pages: r.pages,
    publishedAt: r.published_at,
    description: r.description,
  };
}
function toReview(r: ReviewRow): Review {
  return {
    id: r.id,
    bookId: r.book_id,
    reviewer: r.reviewer,
    rating: r.rating,
    body: r.body,
    createdAt: r.created_at,
  };
}
function bookParams(b: NewBook): Record<string, unknown> {
  return {
    author_id: b.authorId,
    title: b.title,
    isbn: b.isbn,
    genre: b.genre,
    tags: JSON.stringify(b.tags),
    price_cents: b.priceCents,
    pages: b.pages,
    published_at: b.publishedAt,
    description: b.description,
  };
}

/** Groups rows by a key into lists aligned with `keys` (the shape DataLoader wants). */
function groupBy<T>(keys: readonly number[], rows: T[], keyOf: (row: T) => number): T[][] {
  const byKey = new Map<number, T[]>();
  for (const row of rows) {
    const k = keyOf(row);
    const list = byKey.get(k);
    if (list) list.push(row);
    else byKey.set(k, [row]);
  }
  return keys.map((k) => byKey.get(k) ?? []);
}

export interface StoreOptions {
  file?: string;
  seed: number;
  scale: Scale;
}

export class LibraryStore {
  readonly db: Database.Database;
  /** Statements executed since open. */
  queryCount = 0;
  private readonly stmts;

  constructor(options: StoreOptions) {
    this.db = new Database(options.file ?? ':memory:');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    this.seedIfEmpty(options.seed, options.scale);
    const db = this.db;
    this.stmts = {
      author: db.prepare<[number], AuthorRow>('SELECT * FROM authors WHERE id = ?'),
      authorsByIds: db.prepare<[string], AuthorRow>(
        'SELECT * FROM authors WHERE id IN (SELECT value FROM json_each(?))',
      ),
      authorsPage: db.prepare<[number, number], AuthorRow>(
        'SELECT * FROM authors WHERE id > ? ORDER BY id LIMIT ?',
      ),
      book: db.prepare<[number], BookRow>('SELECT * FROM books WHERE id = ?'),
      booksByIds: db.prepare<[string], BookRow>(
        'SELECT * FROM books WHERE id IN (SELECT value FROM json_each(?))',
      ),
      booksPage: db.prepare<
        { after: number; limit: number; genre: string | null; author: number | null },
        BookRow
      >(
        `SELECT * FROM books WHERE id > @after
           AND (@genre IS NULL OR genre = @genre)
           AND (@author IS NULL OR author_id = @author)
         ORDER BY id LIMIT @limit`,
      ),
      booksOfAuthor: db.prepare<[number], BookRow>(
        'SELECT * FROM books WHERE author_id = ? ORDER BY id',
      ),
      booksOfAuthors: db.prepare<[string], BookRow>(
        'SELECT * FROM books WHERE author_id IN (SELECT value FROM json_each(?)) ORDER BY id',
      ),
      allBooks: db.prepare<[], BookRow>('SELECT * FROM books ORDER BY id'),
      insertBook: db.prepare(
        `INSERT INTO books (author_id, title, isbn, genre, tags, price_cents, pages, published_at, description)
         VALUES (@author_id, @title, @isbn, @genre, @tags, @price_cents, @pages, @published_at, @description)`,
      ),
      updateBook: db.prepare(
        `UPDATE books SET author_id = @author_id, title = @title, isbn = @isbn, genre = @genre, tags = @tags,
           price_cents = @price_cents, pages = @pages, published_at = @published_at, description = @description
         WHERE id = @id`,
      ),
      deleteBook: db.prepare<[number]>('DELETE FROM books WHERE id = ?'),
      bookIdByIsbn: db.prepare<[string], { id: number }>('SELECT id FROM books WHERE isbn = ?'),
      existingBookIds: db.prepare<[string], { id: number }>(
        'SELECT id FROM books WHERE id IN (SELECT value FROM json_each(?))',
      ),
      reviewsOfBook: db.prepare<[number, number], ReviewRow>(
        'SELECT * FROM reviews WHERE book_id = ? ORDER BY created_at DESC, id DESC LIMIT ?',
      ),
      latestReviewsOfBooks: db.prepare<[string, number], ReviewRow>(
        `SELECT id, book_id, reviewer, rating, body, created_at FROM (
           SELECT r.*, ROW_NUMBER() OVER (PARTITION BY book_id ORDER BY created_at DESC, id DESC) AS rn
           FROM reviews r WHERE book_id IN (SELECT value FROM json_each(?))
         ) WHERE rn <= ? ORDER BY book_id, rn`,
      ),
      insertReview: db.prepare(
        `INSERT INTO reviews (book_id, reviewer, rating, body, created_at)
         VALUES (@book_id, @reviewer, @rating, @body, @created_at)`,
      ),
      countReviews: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM reviews'),
      countBooks: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM books'),
    };
  }

  /** Counts one statement, globally and in the current request scope, then runs it. */
  private query<T>(run: () => T): T {
    this.queryCount++;
    const scope = queryScope.getStore();
    if (scope) scope.count++;
    return run();
  }

  private seedIfEmpty(seed: number, scale: Scale): void {
    const wanted = JSON.stringify({ seed, scale });
    const row = this.db
      .prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'dataset'")
      .get();
    if (row) {
      if (row.value !== wanted) {
        throw new DomainError(
          'failed_precondition',
          `database was seeded with ${row.value}, not ${wanted}: use another file or delete it`,
        );
      }
      return;
    }
    this.insertDataset(generateDataset(seed, scale));
    this.db.prepare("INSERT INTO meta (key, value) VALUES ('dataset', ?)").run(wanted);
  }

  private insertDataset(data: Dataset): void {
    const insertAuthor = this.db.prepare(
      'INSERT INTO authors (id, name, country, bio, born_on, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const insertBook = this.db.prepare(
      `INSERT INTO books (id, author_id, title, isbn, genre, tags, price_cents, pages, published_at, description)
       VALUES (@id, @author_id, @title, @isbn, @genre, @tags, @price_cents, @pages, @published_at, @description)`,
    );
    const insertReview = this.db.prepare(
      'INSERT INTO reviews (id, book_id, reviewer, rating, body, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const a of data.authors) {
        insertAuthor.run(a.id, a.name, a.country, a.bio, a.bornOn, a.createdAt);
      }
      for (const b of data.books) insertBook.run({ id: b.id, ...bookParams(b) });
      for (const r of data.reviews) {
        insertReview.run(r.id, r.bookId, r.reviewer, r.rating, r.body, r.createdAt);
      }
    })();
  }

  close(): void {
    this.db.close();
  }

  getAuthor(id: number): Author | undefined {
    const row = this.query(() => this.stmts.author.get(id));
    return row && toAuthor(row);
  }

  getAuthors(ids: readonly number[]): (Author | undefined)[] {
    const rows = this.query(() => this.stmts.authorsByIds.all(JSON.stringify(ids)));
    const byId = new Map(rows.map((r) => [r.id, toAuthor(r)]));
    return ids.map((id) => byId.get(id));
  }

  /** Authors with id > afterId, `limit` of them, in id order. */
  listAuthors(afterId: number, limit: number): Author[] {
    return this.query(() => this.stmts.authorsPage.all(afterId, limit)).map(toAuthor);
  }

  getBook(id: number): Book | undefined {
    const row = this.query(() => this.stmts.book.get(id));
    return row && toBook(row);
  }

  getBooks(ids: readonly number[]): (Book | undefined)[] {
    const rows = this.query(() => this.stmts.booksByIds.all(JSON.stringify(ids)));
    const byId = new Map(rows.map((r) => [r.id, toBook(r)]));
    return ids.map((id) => byId.get(id));
  }

  listBooks(afterId: number, limit: number, genre?: Genre, authorId?: number): Book[] {
    return this.query(() =>
      this.stmts.booksPage.all({
        after: afterId,
        limit,
        genre: genre ?? null,
        author: authorId ?? null,
      }),
    ).map(toBook);
  }

  booksOfAuthor(authorId: number): Book[] {
    return this.query(() => this.stmts.booksOfAuthor.all(authorId)).map(toBook);
  }

  booksOfAuthors(authorIds: readonly number[]): Book[][] {
    const rows = this.query(() => this.stmts.booksOfAuthors.all(JSON.stringify(authorIds)));
    return groupBy(authorIds, rows.map(toBook), (b) => b.authorId);
  }

  allBooks(): Book[] {
    return this.query(() => this.stmts.allBooks.all()).map(toBook);
  }

  /**
   * Streams every book in keyset-paginated chunks. An open better-sqlite3 cursor would keep
   * the connection busy across the consumer's awaits and fail every other request meanwhile.
   */
  *iterateBooks(chunkSize = 500): IterableIterator<Book> {
    let after = 0;
    for (;;) {
      const chunk = this.listBooks(after, chunkSize);
      yield* chunk;
      const last = chunk.at(-1);
      if (!last || chunk.length < chunkSize) return;
      after = last.id;
    }
  }

  bookIdByIsbn(isbn: string): number | undefined {
    return this.query(() => this.stmts.bookIdByIsbn.get(isbn))?.id;
  }

  existingBookIds(ids: readonly number[]): Set<number> {
    const rows = this.query(() => this.stmts.existingBookIds.all(JSON.stringify(ids)));
    return new Set(rows.map((r) => r.id));
  }

  insertBook(book: NewBook): Book {
    const info = this.query(() => this.stmts.insertBook.run(bookParams(book)));
    return { id: Number(info.lastInsertRowid), ...book };
  }

  updateBook(book: Book): void {
    this.query(() => this.stmts.updateBook.run({ id: book.id, ...bookParams(book) }));
  }

  deleteBook(id: number): boolean {
    return this.query(() => this.stmts.deleteBook.run(id)).changes > 0;
  }

  reviewsOfBook(bookId: number, limit: number): Review[] {
    return this.query(() => this.stmts.reviewsOfBook.all(bookId, limit)).map(toReview);
  }

  latestReviewsOfBooks(bookIds: readonly number[], limit: number): Review[][] {
    const rows = this.query(() =>
      this.stmts.latestReviewsOfBooks.all(JSON.stringify(bookIds), limit),
    );
    return groupBy(bookIds, rows.map(toReview), (r) => r.bookId);
  }

  /** Inserts reviews in one transaction: all of them or, on any failure, none. */
  insertReviews(reviews: readonly NewReview[], createdAt: string): Review[] {
    return this.query(() =>
      this.db.transaction(() =>
        reviews.map((r) => {
          const info = this.stmts.insertReview.run({
            book_id: r.bookId,
            reviewer: r.reviewer,
            rating: r.rating,
            body: r.body,
            created_at: createdAt,
          });
          return { id: Number(info.lastInsertRowid), ...r, createdAt };
        }),
      )(),
    );
  }

  countReviews(): number {
    return this.query(() => this.stmts.countReviews.get())?.n ?? 0;
  }

  countBooks(): number {
    return this.query(() => this.stmts.countBooks.get())?.n ?? 0;
  }
}

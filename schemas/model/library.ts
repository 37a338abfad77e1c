// The library domain as TypeScript types: the contract the servers implement and the clients
// speak, whatever the protocol. Field names are the domain's own (camelCase); each adapter and
// client renders them the way its ecosystem expects (snake_case JSON for REST, camelCase for
// GraphQL, proto field names for gRPC/Connect). Pure data: no code of the servers.

export const GENRES = [
  'fiction',
  'non_fiction',
  'science',
  'history',
  'fantasy',
  'mystery',
  'biography',
  'poetry',
] as const;
export type Genre = (typeof GENRES)[number];

export interface Author {
  id: number;
  name: string;
  country: string; // ISO 3166-1 alpha-2
  bio: string;
  bornOn: string; // YYYY-MM-DD
  createdAt: string; // RFC 3339, UTC, millisecond precision
}

export interface Book {
  id: number;
  authorId: number;
  title: string;
  isbn: string; // ISBN-13, digits only
  genre: Genre;
  tags: string[];
  priceCents: number;
  pages: number;
  publishedAt: string; // RFC 3339, UTC
  description: string; // about 1 KB of text
}

export interface Review {
  id: number;
  bookId: number;
  reviewer: string;
  rating: number; // 1..5
  body: string;
  createdAt: string; // RFC 3339, UTC
}

export interface ChatMessage {
  room: string;
  sender: string;
  text: string;
  sentAt: string; // RFC 3339, UTC
}

/** Fields a client supplies to create a book. */
export type NewBook = Omit<Book, 'id'>;
/** Mutable book fields; an update names the ones it changes (a field mask). */
export type BookPatch = Partial<Omit<Book, 'id'>>;
export const BOOK_MUTABLE_FIELDS = [
  'authorId',
  'title',
  'isbn',
  'genre',
  'tags',
  'priceCents',
  'pages',
  'publishedAt',
  'description',
] as const satisfies readonly (keyof BookPatch)[];

export interface NewReview {
  bookId: number;
  reviewer: string;
  rating: number;
  body: string;
}

export interface NewChatMessage {
  room: string;
  sender: string;
  text: string;
}

/** A page of results with an opaque cursor for the next one (absent on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor: string | undefined;
}

export interface ListBooksQuery {
  pageSize?: number | undefined;
  cursor?: string | undefined;
  genre?: Genre | undefined;
  authorId?: number | undefined;
}

export interface ListAuthorsQuery {
  pageSize?: number | undefined;
  cursor?: string | undefined;
}

/** The nested read: authors, each with its books, each with its latest reviews. */
export interface AuthorTree extends Author {
  books: (Book & { reviews: Review[] })[];
}

/** Bounds that validation and the adapters share. */
export const LIMITS = {
  pageSizeDefault: 20,
  pageSizeMax: 100,
  titleMax: 200,
  nameMax: 120,
  reviewerMax: 120,
  reviewBodyMax: 4000,
  descriptionMax: 8000,
  tagsMax: 10,
  tagMax: 32,
  pagesMax: 100_000,
  priceCentsMax: 100_000_000,
  chatTextMax: 2000,
  roomMax: 64,
  /** Reviews per import call; larger imports are refused with resource_exhausted. */
  importMax: 10_000,
  /** Latest reviews returned per book in the nested read. */
  latestReviewsDefault: 3,
  latestReviewsMax: 20,
} as const;

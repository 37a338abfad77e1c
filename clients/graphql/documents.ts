// The operations the GraphQL client sends, each typed with its result and variables
// (TypedDocumentString: graphql-request infers both from the document). The result types are
// written by hand from schemas/graphql/schema.graphql: ids are strings, genres UPPER_SNAKE.

import type { TypedDocumentString } from 'graphql-request';
import type { Genre } from '../contract.ts';

export type GqlGenre = Uppercase<Genre>;

export interface GqlBook {
  id: string;
  authorId: string;
  title: string;
  isbn: string;
  genre: GqlGenre;
  tags: string[];
  priceCents: number;
  pages: number;
  publishedAt: string;
  description: string;
}

export interface GqlAuthor {
  id: string;
  name: string;
  country: string;
  bio: string;
  bornOn: string;
  createdAt: string;
}

export interface GqlReview {
  id: string;
  bookId: string;
  reviewer: string;
  rating: number;
  body: string;
  createdAt: string;
}

export interface GqlChatMessage {
  room: string;
  sender: string;
  text: string;
  sentAt: string;
}

export interface GqlAuthorTree extends GqlAuthor {
  books: (GqlBook & { reviews: GqlReview[] })[];
}

export type GqlBookInput = Omit<GqlBook, 'id'>;
export type GqlBookPatch = Partial<GqlBookInput>;

export interface GqlReviewInput {
  bookId: string;
  reviewer: string;
  rating: number;
  body: string;
}

interface Connection<T> {
  edges: { node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * A document typed with its result and variables. A plain string at run time: sent as is,
 * with nothing to parse or print per call.
 */
function typed<Result, Variables>(source: string): TypedDocumentString<Result, Variables> {
  return source as TypedDocumentString<Result, Variables>;
}

const BOOK_FIELDS = `
fragment BookFields on Book {
  id authorId title isbn genre tags priceCents pages publishedAt description
}`;

const REVIEW_FIELDS = `
fragment ReviewFields on Review {
  id bookId reviewer rating body createdAt
}`;

export const GET_BOOK = typed<{ book: GqlBook }, { id: string }>(`
query GetBook($id: ID!) {
  book(id: $id) { ...BookFields }
}${BOOK_FIELDS}`);

export const LIST_BOOKS = typed<
  { books: Connection<GqlBook> },
  { first?: number; after?: string; genre?: GqlGenre; authorId?: string }
>(`
query ListBooks($first: Int, $after: String, $genre: Genre, $authorId: ID) {
  books(first: $first, after: $after, genre: $genre, authorId: $authorId) {
    edges { node { ...BookFields } }
    pageInfo { hasNextPage endCursor }
  }
}${BOOK_FIELDS}`);

export const CREATE_BOOK = typed<{ createBook: GqlBook }, { input: GqlBookInput }>(`
mutation CreateBook($input: CreateBookInput!) {
  createBook(input: $input) { ...BookFields }
}${BOOK_FIELDS}`);

export const UPDATE_BOOK = typed<{ updateBook: GqlBook }, { id: string; input: GqlBookPatch }>(`
mutation UpdateBook($id: ID!, $input: UpdateBookInput!) {
  updateBook(id: $id, input: $input) { ...BookFields }
}${BOOK_FIELDS}`);

export const DELETE_BOOK = typed<{ deleteBook: string }, { id: string }>(`
mutation DeleteBook($id: ID!) {
  deleteBook(id: $id)
}`);

/** The nested read: one query; against /graphql-naive the server resolves it without DataLoader. */
export const AUTHOR_TREE = typed<
  { authors: Connection<GqlAuthorTree> },
  { first: number; latest?: number }
>(`
query AuthorTree($first: Int!, $latest: Int) {
  authors(first: $first) {
    edges {
      node {
        id name country bio bornOn createdAt
        books { ...BookFields reviews(latest: $latest) { ...ReviewFields } }
      }
    }
  }
}${BOOK_FIELDS}${REVIEW_FIELDS}`);

export const CATALOG = typed<{ catalog: GqlBook[] }, Record<string, never>>(`
query Catalog {
  catalog { ...BookFields }
}${BOOK_FIELDS}`);

export const CREATE_REVIEW = typed<{ createReview: GqlReview }, { input: GqlReviewInput }>(`
mutation CreateReview($input: ReviewInput!) {
  createReview(input: $input) { ...ReviewFields }
}${REVIEW_FIELDS}`);

export const IMPORT_REVIEWS = typed<
  { importReviews: { importedCount: number } },
  { reviews: GqlReviewInput[] }
>(`
mutation ImportReviews($reviews: [ReviewInput!]!) {
  importReviews(reviews: $reviews) { importedCount }
}`);

export const POST_CHAT_MESSAGE = typed<
  { postChatMessage: GqlChatMessage },
  { room: string; sender: string; text: string }
>(`
mutation PostChatMessage($room: String!, $sender: String!, $text: String!) {
  postChatMessage(room: $room, sender: $sender, text: $text) { room sender text sentAt }
}`);

// Subscriptions go through graphql-sse, which takes plain strings.
export const REVIEW_ADDED = `
subscription ReviewAdded($bookId: ID) {
  reviewAdded(bookId: $bookId) { ...ReviewFields }
}${REVIEW_FIELDS}`;
export interface ReviewAddedResult {
  reviewAdded: GqlReview;
}

export const CHAT = `
subscription Chat($room: String!) {
  chat(room: $room) { room sender text sentAt }
}`;
export interface ChatResult {
  chat: GqlChatMessage;
}

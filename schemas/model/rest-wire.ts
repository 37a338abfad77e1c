// The REST wire shape of the domain's read models (snake_case JSON, keys in the order of the
// OpenAPI schemas): how the REST server renders a book, an author, a review, a chat message
// and an author tree. Shared by the server (apis/rest) and the serialization micro-benchmarks
// (bench/micro), which must encode exactly what the server sends.

import type { Author, AuthorTree, Book, ChatMessage, Genre, Review } from './library.ts';

export interface WireBook {
  id: number;
  author_id: number;
  title: string;
  isbn: string;
  genre: Genre;
  tags: string[];
  price_cents: number;
  pages: number;
  published_at: string;
  description: string;
}

export interface WireAuthor {
  id: number;
  name: string;
  country: string;
  bio: string;
  born_on: string;
  created_at: string;
}

export interface WireReview {
  id: number;
  book_id: number;
  reviewer: string;
  rating: number;
  body: string;
  created_at: string;
}

export interface WireChatMessage {
  room: string;
  sender: string;
  text: string;
  sent_at: string;
}

export interface WireAuthorTree extends WireAuthor {
  books: (WireBook & { reviews: WireReview[] })[];
}

export function toWireBook(b: Book): WireBook {
  return {
    id: b.id,
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

export function toWireAuthor(a: Author): WireAuthor {
  return {
    id: a.id,
    name: a.name,
    country: a.country,
    bio: a.bio,
    born_on: a.bornOn,
    created_at: a.createdAt,
  };
}

export function toWireReview(r: Review): WireReview {
  return {
    id: r.id,
    book_id: r.bookId,
    reviewer: r.reviewer,
    rating: r.rating,
    body: r.body,
    created_at: r.createdAt,
  };
}

export function toWireChatMessage(m: ChatMessage): WireChatMessage {
  return { room: m.room, sender: m.sender, text: m.text, sent_at: m.sentAt };
}

export function toWireAuthorTree(a: AuthorTree): WireAuthorTree {
  return {
    ...toWireAuthor(a),
    books: a.books.map((b) => ({ ...toWireBook(b), reviews: b.reviews.map(toWireReview) })),
  };
}

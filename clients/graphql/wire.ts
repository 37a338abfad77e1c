// GraphQL values to the domain's and back: ID strings <-> numbers, Genre FICTION <-> 'fiction'.

import type {
  AuthorTree,
  Book,
  BookPatch,
  ChatMessage,
  Genre,
  NewBook,
  NewReview,
  Review,
} from '../contract.ts';
import type {
  GqlAuthorTree,
  GqlBook,
  GqlBookInput,
  GqlBookPatch,
  GqlChatMessage,
  GqlGenre,
  GqlReview,
  GqlReviewInput,
} from './documents.ts';

export function toGqlId(id: number): string {
  return String(id);
}

export function toGqlGenre(genre: Genre): GqlGenre {
  return genre.toUpperCase() as GqlGenre;
}

export function fromGqlGenre(genre: GqlGenre): Genre {
  return genre.toLowerCase() as Genre;
}

export function fromGqlBook(b: GqlBook): Book {
  return {
    id: Number(b.id),
    authorId: Number(b.authorId),
    title: b.title,
    isbn: b.isbn,
    genre: fromGqlGenre(b.genre),
    tags: b.tags,
    priceCents: b.priceCents,
    pages: b.pages,
    publishedAt: b.publishedAt,
    description: b.description,
  };
}

export function fromGqlReview(r: GqlReview): Review {
  return {
    id: Number(r.id),
    bookId: Number(r.bookId),
    reviewer: r.reviewer,
    rating: r.rating,
    body: r.body,
    createdAt: r.createdAt,
  };
}

export function fromGqlChatMessage(m: GqlChatMessage): ChatMessage {
  return { room: m.room, sender: m.sender, text: m.text, sentAt: m.sentAt };
}

export function fromGqlAuthorTree(a: GqlAuthorTree): AuthorTree {
  return {
    id: Number(a.id),
    name: a.name,
    country: a.country,
    bio: a.bio,
    bornOn: a.bornOn,
    createdAt: a.createdAt,
    books: a.books.map((b) => ({ ...fromGqlBook(b), reviews: b.reviews.map(fromGqlReview) })),
  };
}

export function toGqlBookInput(b: NewBook): GqlBookInput {
  return {
    authorId: toGqlId(b.authorId),
    title: b.title,
    isbn: b.isbn,
    genre: toGqlGenre(b.genre),
    tags: b.tags,
    priceCents: b.priceCents,
    pages: b.pages,
    publishedAt: b.publishedAt,
    description: b.description,
  };
}

/** Only the fields present in the patch: UpdateBookInput's keys are its field mask. */
export function toGqlBookPatch(patch: BookPatch): GqlBookPatch {
  const input: GqlBookPatch = {};
  if (patch.authorId !== undefined) input.authorId = toGqlId(patch.authorId);
  if (patch.title !== undefined) input.title = patch.title;
  if (patch.isbn !== undefined) input.isbn = patch.isbn;
  if (patch.genre !== undefined) input.genre = toGqlGenre(patch.genre);
  if (patch.tags !== undefined) input.tags = patch.tags;
  if (patch.priceCents !== undefined) input.priceCents = patch.priceCents;
  if (patch.pages !== undefined) input.pages = patch.pages;
  if (patch.publishedAt !== undefined) input.publishedAt = patch.publishedAt;
  if (patch.description !== undefined) input.description = patch.description;
  return input;
}

export function toGqlReviewInput(r: NewReview): GqlReviewInput {
  return { bookId: toGqlId(r.bookId), reviewer: r.reviewer, rating: r.rating, body: r.body };
}

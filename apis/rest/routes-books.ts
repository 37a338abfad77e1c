// Books (CRUD, paginated list) and authors (the naive and the expanded nested read).

import { Router } from 'express';
import { type Genre, invalidArgument, type Library } from '../domain/index.ts';
import { pathInt, queryInt, queryString } from './params.ts';
import {
  fromWireBookPatch,
  fromWireNewBook,
  toWireAuthor,
  toWireAuthorTree,
  toWireBook,
  toWireReview,
} from './wire.ts';

function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidArgument([{ field: '', description: 'the body must be a JSON object' }]);
  }
  return body as Record<string, unknown>;
}

export function buildBooksRouter(library: Library): Router {
  const router = Router();

  router.get('/v1/books', (req, res) => {
    const page = library.listBooks({
      pageSize: queryInt(req, 'page_size'),
      cursor: queryString(req, 'page_token'),
      genre: queryString(req, 'genre') as Genre | undefined,
      authorId: queryInt(req, 'author_id'),
    });
    res.json({ books: page.items.map(toWireBook), next_page_token: page.nextCursor });
  });

  router.post('/v1/books', (req, res) => {
    const book = library.createBook(fromWireNewBook(bodyObject(req.body)));
    res.status(201).location(`/v1/books/${book.id}`).json(toWireBook(book));
  });

  router.get('/v1/books/:id', (req, res) => {
    res.json(toWireBook(library.getBook(pathInt(req, 'id'))));
  });

  router.patch('/v1/books/:id', (req, res) => {
    const book = library.updateBook(pathInt(req, 'id'), fromWireBookPatch(bodyObject(req.body)));
    res.json(toWireBook(book));
  });

  router.delete('/v1/books/:id', (req, res) => {
    library.deleteBook(pathInt(req, 'id'));
    res.status(204).end();
  });

  router.get('/v1/books/:id/reviews', (req, res) => {
    const reviews = library.listBookReviews(pathInt(req, 'id'), queryInt(req, 'limit'));
    res.json({ reviews: reviews.map(toWireReview) });
  });

  router.get('/v1/authors', (req, res) => {
    const query = { pageSize: queryInt(req, 'page_size'), cursor: queryString(req, 'page_token') };
    const reviewsPerBook = queryInt(req, 'reviews_per_book');
    if (queryString(req, 'include') === 'books.reviews') {
      const page = library.authorTree({ ...query, reviewsPerBook });
      res.json({ authors: page.items.map(toWireAuthorTree), next_page_token: page.nextCursor });
      return;
    }
    if (reviewsPerBook !== undefined) {
      throw invalidArgument([
        { field: 'reviews_per_book', description: 'applies only with include=books.reviews' },
      ]);
    }
    const page = library.listAuthors(query);
    res.json({ authors: page.items.map(toWireAuthor), next_page_token: page.nextCursor });
  });

  router.get('/v1/authors/:id', (req, res) => {
    res.json(toWireAuthor(library.getAuthor(pathInt(req, 'id'))));
  });

  router.get('/v1/authors/:id/books', (req, res) => {
    res.json({ books: library.listAuthorBooks(pathInt(req, 'id')).map(toWireBook) });
  });

  return router;
}

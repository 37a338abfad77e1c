// Resolvers: translate GraphQL arguments to domain calls and domain values to the schema's
// shapes. Nested fields load through the request's DataLoaders, so batching (or its absence,
// for the naive variant) is decided once, when the context is built.

import type { YogaInitialContext } from 'graphql-yoga';
import {
  type Author,
  type Book,
  type ChatMessage,
  encodeCursor,
  type FieldViolation,
  GENRES,
  type Genre,
  invalidArgument,
  LIMITS,
  type Library,
  type Loaders,
  type NewReview,
  type Page,
  type Review,
} from '../domain/index.ts';
import { renameViolations, rethrowAsGraphQLError } from './errors.ts';
import { DateScalar, DateTimeScalar } from './scalars.ts';

/** What every resolver receives: the service, this request's loaders, yoga's request. */
export interface GraphQLContext {
  library: Library;
  loaders: Loaders;
}
type Context = GraphQLContext & YogaInitialContext;

/** GraphQL input values may be null where the schema allows it; the domain wants undefined. */
type Nullable<T> = T | null | undefined;

interface ConnectionArgs {
  first?: Nullable<number>;
  after?: Nullable<string>;
}

interface BookFields {
  authorId: string;
  title: string;
  isbn: string;
  genre: Genre;
  tags: string[];
  priceCents: number;
  pages: number;
  publishedAt: string;
  description: string;
}

interface ReviewFields {
  bookId: string;
  reviewer: string;
  rating: number;
  body: string;
}

/**
 * ID -> domain id. Anything that is not a run of digits becomes NaN so that the domain's own
 * validation reports it with the same wording as every other bad id.
 */
function toDomainId(id: string): number {
  return /^\d{1,16}$/.test(id) ? Number(id) : Number.NaN;
}

function toOptionalDomainId(id: Nullable<string>): number | undefined {
  return id == null ? undefined : toDomainId(id);
}

/** Runs a domain call, renaming its violation fields to the argument paths a client sent. */
function callDomain<T>(fn: () => T, rename: (field: string) => string): T {
  try {
    return fn();
  } catch (error) {
    throw renameViolations(error, rename);
  }
}

const LIST_ARGUMENT_NAMES: Record<string, string> = { pageSize: 'first', cursor: 'after' };
const renameListArgument = (field: string) => LIST_ARGUMENT_NAMES[field] ?? field;
const prefixInput = (field: string) => `input.${field.replace(/^review\./, '')}`;

function toConnection<T extends { id: number }>(page: Page<T>) {
  const last = page.items.at(-1);
  return {
    edges: page.items.map((node) => ({ cursor: encodeCursor(node.id), node })),
    pageInfo: {
      hasNextPage: page.nextCursor !== undefined,
      endCursor: last ? encodeCursor(last.id) : null,
    },
  };
}

function toNewReview(input: ReviewFields): NewReview {
  return {
    bookId: toDomainId(input.bookId),
    reviewer: input.reviewer,
    rating: input.rating,
    body: input.body,
  };
}

const queryFields = {
  book: (_: unknown, args: { id: string }, ctx: Context): Book =>
    ctx.library.getBook(toDomainId(args.id)),

  books(
    _: unknown,
    args: ConnectionArgs & { genre?: Nullable<Genre>; authorId?: Nullable<string> },
    ctx: Context,
  ) {
    const page = callDomain(
      () =>
        ctx.library.listBooks({
          pageSize: args.first ?? undefined,
          cursor: args.after ?? undefined,
          genre: args.genre ?? undefined,
          authorId: toOptionalDomainId(args.authorId),
        }),
      renameListArgument,
    );
    return toConnection(page);
  },

  author: (_: unknown, args: { id: string }, ctx: Context): Author =>
    ctx.library.getAuthor(toDomainId(args.id)),

  authors(_: unknown, args: ConnectionArgs, ctx: Context) {
    const page = callDomain(
      () =>
        ctx.library.listAuthors({
          pageSize: args.first ?? undefined,
          cursor: args.after ?? undefined,
        }),
      renameListArgument,
    );
    // Books of these authors ask for their author again (Book.author): serve it from here.
    for (const author of page.items) ctx.loaders.author.prime(author.id, author);
    return toConnection(page);
  },

  catalog: (_: unknown, _args: unknown, ctx: Context): Book[] => ctx.library.exportCatalog(),
};

const authorFields = {
  books: (author: Author, _args: unknown, ctx: Context): Promise<Book[]> =>
    ctx.loaders.booksByAuthor.load(author.id),
};

const bookFields = {
  author: (book: Book, _args: unknown, ctx: Context): Promise<Author> =>
    ctx.loaders.author.load(book.authorId),

  reviews(book: Book, args: { latest?: Nullable<number> }, ctx: Context): Promise<Review[]> | [] {
    const latest = args.latest ?? LIMITS.latestReviewsDefault;
    if (latest < 0 || latest > LIMITS.latestReviewsMax) {
      throw invalidArgument([
        { field: 'latest', description: `must be between 0 and ${LIMITS.latestReviewsMax}` },
      ]);
    }
    if (latest === 0) return [];
    return ctx.loaders.latestReviewsByBook.load({ bookId: book.id, limit: latest });
  },
};

const mutationFields = {
  createBook: (_: unknown, args: { input: BookFields }, ctx: Context): Book =>
    callDomain(
      () => ctx.library.createBook({ ...args.input, authorId: toDomainId(args.input.authorId) }),
      prefixInput,
    ),

  updateBook(
    _: unknown,
    args: { id: string; input: Partial<Record<keyof BookFields, unknown>> },
    ctx: Context,
  ): Book {
    // Only the keys the client wrote are present: that is the field mask.
    const patch: Record<string, unknown> = {};
    const nulls: FieldViolation[] = [];
    for (const [field, value] of Object.entries(args.input)) {
      if (value === null) nulls.push({ field: `input.${field}`, description: 'must not be null' });
      else patch[field] = field === 'authorId' ? toDomainId(value as string) : value;
    }
    if (nulls.length > 0) throw invalidArgument(nulls);
    return callDomain(
      () => ctx.library.updateBook(toDomainId(args.id), patch),
      (field) => (field === 'id' ? field : prefixInput(field)),
    );
  },

  deleteBook(_: unknown, args: { id: string }, ctx: Context): string {
    const id = toDomainId(args.id);
    ctx.library.deleteBook(id);
    return String(id);
  },

  createReview: (_: unknown, args: { input: ReviewFields }, ctx: Context): Review =>
    callDomain(() => ctx.library.createReview(toNewReview(args.input)), prefixInput),

  importReviews(_: unknown, args: { reviews: ReviewFields[] }, ctx: Context) {
    // Violation paths from the domain (reviews[3].rating) already match the argument's name.
    const reviews = ctx.library.importReviews(args.reviews.map(toNewReview));
    return { importedCount: reviews.length, reviews };
  },

  // Violation fields (room, sender, text) already are the argument names.
  postChatMessage: (
    _: unknown,
    args: { room: string; sender: string; text: string },
    ctx: Context,
  ): ChatMessage =>
    ctx.library.postChatMessage({ room: args.room, sender: args.sender, text: args.text }),
};

const subscriptionFields = {
  reviewAdded: {
    subscribe(_: unknown, args: { bookId?: Nullable<string> }, ctx: Context) {
      const bookId = toOptionalDomainId(args.bookId);
      // Fail at once for a book that cannot ever get a review, rather than wait forever.
      if (bookId !== undefined) {
        callDomain(
          () => ctx.library.getBook(bookId),
          (field) => (field === 'id' ? 'bookId' : field),
        );
      }
      return ctx.library.events.subscribeReviews({ bookId, signal: ctx.request.signal });
    },
    resolve: (review: Review): Review => review,
  },
  chat: {
    subscribe(_: unknown, args: { room: string }, ctx: Context) {
      ctx.library.checkRoom(args.room);
      return ctx.library.events.subscribeChat(args.room, { signal: ctx.request.signal });
    },
    resolve: (message: ChatMessage): ChatMessage => message,
  },
};

/** Enum values are the schema's UPPER_SNAKE names; the domain's are lower snake. */
const genreValues = Object.fromEntries(GENRES.map((genre) => [genre.toUpperCase(), genre]));

type Resolver = (...args: never[]) => unknown;
type FieldResolvers = Record<string, Resolver | { subscribe: Resolver; resolve: Resolver }>;

function guard<F extends Resolver>(fn: F): F {
  const guarded = (...args: Parameters<F>) => {
    try {
      const result = fn(...args);
      return result instanceof Promise ? result.catch(rethrowAsGraphQLError) : result;
    } catch (error) {
      return rethrowAsGraphQLError(error);
    }
  };
  return guarded as F;
}

/** Every resolver turns a DomainError into its GraphQL error before graphql-js sees it. */
function guardAll(types: Record<string, FieldResolvers>): Record<string, FieldResolvers> {
  return Object.fromEntries(
    Object.entries(types).map(([type, fields]) => [
      type,
      Object.fromEntries(
        Object.entries(fields).map(([name, field]) => [
          name,
          typeof field === 'function'
            ? guard(field)
            : { subscribe: guard(field.subscribe), resolve: guard(field.resolve) },
        ]),
      ),
    ]),
  );
}

export const resolvers = {
  ...guardAll({
    Query: queryFields,
    Mutation: mutationFields,
    Subscription: subscriptionFields,
    Author: authorFields,
    Book: bookFields,
  } as unknown as Record<string, FieldResolvers>),
  Genre: genreValues,
  DateTime: DateTimeScalar,
  Date: DateScalar,
};

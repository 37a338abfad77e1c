// The calls the inspector can make, by name: one entry per operation, each a plain run against a
// LibraryClient, so every variant is inspected doing exactly the same thing.

import type { LibraryClient } from '../contract.ts';

let createdBooks = 0;

/** A valid ISBN-13 no seeded book has (979 prefix), different on every call. */
function freshIsbn(): string {
  createdBooks += 1;
  const n = (Date.now() % 1_000_000) * 100 + (createdBooks % 100);
  const first12 = `979${String(n).padStart(9, '0').slice(-9)}`;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3);
  return `${first12}${(10 - (sum % 10)) % 10}`;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

export interface Operation {
  describe: string;
  run(client: LibraryClient): Promise<unknown>;
  /**
   * The response carries one book: the inspector decodes it from the wire bytes alone, to show
   * that every protocol delivered the same data the client returned.
   */
  returnsBook?: true;
}

export const OPERATIONS = {
  GetBook: { describe: 'book 1', run: (c) => c.getBook(1), returnsBook: true },
  ListBooks: {
    describe: 'the first page of books (server default size)',
    run: (c) => c.listBooks(),
  },
  CreateBook: {
    describe: 'a new book by author 1',
    // A fresh ISBN each time: the catalogue refuses a second book with the same one.
    run: (c) =>
      c.createBook({
        authorId: 1,
        title: 'Seen on the Wire',
        isbn: freshIsbn(),
        genre: 'science',
        tags: ['wire', 'inspect'],
        priceCents: 1999,
        pages: 321,
        publishedAt: '2024-05-06T07:08:09.000Z',
        description: 'A book created by wirebench inspect to show a write on the wire.',
      }),
    returnsBook: true,
  },
  GetAuthorTree: {
    describe: '2 authors with books and latest reviews, batched (one request)',
    run: (c) => c.authorTree({ authors: 2 }, 'batched'),
  },
  GetAuthorTreeNaive: {
    describe: 'the same tree the naive way (one request per author and per book)',
    run: (c) => c.authorTree({ authors: 2 }, 'naive'),
  },
  ExportCatalog: { describe: 'every book in one response', run: (c) => c.exportCatalog() },
  StreamCatalog: {
    describe: 'every book as a stream of chunks',
    run: (c) => collect(c.streamCatalog()),
  },
} satisfies Record<string, Operation>;
export type OperationName = keyof typeof OPERATIONS;
export const OPERATION_NAMES = Object.keys(OPERATIONS) as OperationName[];

/** The operation a person typed, in any letter case. */
export function findOperation(name: string): OperationName | undefined {
  return OPERATION_NAMES.find((op) => op.toLowerCase() === name.toLowerCase());
}

// The client calls behind each scenario's `operation`. Unary and client-stream operations become
// a per-worker `op()` that a load runner repeats; server-stream and bidi operations have runners
// of their own because what they measure is messages, not calls.

import { performance } from 'node:perf_hooks';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type {
  LibraryClient,
  NestedStrategy,
  NewBook,
  NewReview,
  Variant,
} from '../../clients/contract.ts';
import type { Scenario } from './index.ts';
import { numberParam } from './vocabulary.ts';

export { numberParam } from './vocabulary.ts';

export interface OperationContext {
  client: LibraryClient;
  variant: Variant;
  /** Ids of the books the server has (read once at set-up). */
  bookIds: number[];
  /** Authors that exist (books' author ids). */
  authorIds: number[];
  seed: number;
}

export interface PreparedOperation {
  /** One operation; `worker` lets stateful operations keep one state per concurrent worker. */
  op: (worker: number) => Promise<void>;
  /** Application messages per operation (import: the reviews it carries), for per-item rates. */
  itemsPerOp: number;
}

/** A seeded integer source per worker, so that runs with the same seed send the same ids. */
function createPicker(seed: number, worker: number): (max: number) => number {
  const gen = xoroshiro128plus((seed * 7_919 + worker * 104_729) | 0);
  return (max) => uniformInt(gen, 0, max - 1);
}

let isbnCounter = 0;

/** ISBN-13s no seeded book uses (prefix 979-1, the seed data uses 978). */
function nextIsbn(): string {
  isbnCounter++;
  const first12 = `9791${String(isbnCounter).padStart(8, '0')}`;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3);
  return `${first12}${(10 - (sum % 10)) % 10}`;
}

/** Builds the per-worker operation of a unary or client-stream scenario. */
export function prepareOperation(scenario: Scenario, ctx: OperationContext): PreparedOperation {
  const { client, bookIds, authorIds } = ctx;
  const pickers = new Map<number, (max: number) => number>();
  const pick = (worker: number) => {
    let p = pickers.get(worker);
    if (!p) {
      p = createPicker(ctx.seed, worker);
      pickers.set(worker, p);
    }
    return p;
  };
  const randomBook = (worker: number) => bookIds[pick(worker)(bookIds.length)] as number;

  switch (scenario.operation) {
    case 'getBook':
      return {
        itemsPerOp: 1,
        op: async (worker) => {
          await client.getBook(randomBook(worker));
        },
      };
    case 'listBooks': {
      const pageSize = numberParam(scenario.params, 'pageSize', 20);
      const cursors = new Map<number, string | undefined>();
      return {
        itemsPerOp: pageSize,
        op: async (worker) => {
          const page = await client.listBooks({ pageSize, cursor: cursors.get(worker) });
          cursors.set(worker, page.nextCursor);
        },
      };
    }
    case 'writeCycle': {
      // Each worker creates a book, patches it, deletes it, and starts over: three operations.
      const state = new Map<number, { step: number; id: number }>();
      return {
        itemsPerOp: 1,
        op: async (worker) => {
          const s = state.get(worker) ?? { step: 0, id: 0 };
          if (s.step === 0) {
            const book: NewBook = {
              authorId: authorIds[pick(worker)(authorIds.length)] as number,
              title: `Benchmark ${worker}`,
              isbn: nextIsbn(),
              genre: 'science',
              tags: ['benchmark'],
              priceCents: 1_999,
              pages: 300,
              publishedAt: '2024-01-01T00:00:00.000Z',
              description: 'x'.repeat(1_000),
            };
            s.id = (await client.createBook(book)).id;
          } else if (s.step === 1) {
            await client.updateBook(s.id, {
              priceCents: 2_499,
              title: `Benchmark ${worker} (revised)`,
            });
          } else {
            await client.deleteBook(s.id);
          }
          s.step = (s.step + 1) % 3;
          state.set(worker, s);
        },
      };
    }
    case 'authorTree': {
      const query = {
        authors: numberParam(scenario.params, 'authors', 20),
        reviewsPerBook: numberParam(scenario.params, 'reviewsPerBook', 3),
      };
      const strategy = (scenario.params.strategy ?? 'batched') as NestedStrategy;
      return {
        itemsPerOp: query.authors,
        op: async () => {
          await client.authorTree(query, strategy);
        },
      };
    }
    case 'exportCatalog':
      return {
        itemsPerOp: bookIds.length,
        op: async () => {
          await client.exportCatalog();
        },
      };
    case 'streamCatalog':
      return {
        itemsPerOp: bookIds.length,
        op: async () => {
          // The catalog may have grown since set-up (crud-write leaves the books of unfinished
          // cycles); a stream cut short fails in the client, so an empty one is what to catch.
          let n = 0;
          for await (const chunk of client.streamCatalog()) n += chunk.length;
          if (n === 0) throw new Error('the catalog stream carried no book');
        },
      };
    case 'importReviews': {
      const count = numberParam(scenario.params, 'reviews', 50);
      return {
        itemsPerOp: count,
        op: async (worker) => {
          const reviews: NewReview[] = [];
          for (let i = 0; i < count; i++) {
            reviews.push({
              bookId: randomBook(worker),
              reviewer: `bench-${worker}`,
              rating: 1 + (i % 5),
              body: 'imported',
            });
          }
          await client.importReviews(reviews);
        },
      };
    }
    case 'watchReviews':
    case 'chat':
      throw new Error(
        `${scenario.operation} is measured by its stream runner, not as a per-call operation`,
      );
  }
}

/** Milliseconds on a clock shared by every process of this machine (for timestamps in messages). */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

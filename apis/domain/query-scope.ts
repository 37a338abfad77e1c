// Per-request store query counting. An adapter opens a scope for each request; every store
// query made inside that async context (across awaits) increments the scope's counter, which
// is how N+1 behaviour becomes a number in tests and benchmarks.

import { AsyncLocalStorage } from 'node:async_hooks';

export interface QueryCounter {
  count: number;
}

export const queryScope = new AsyncLocalStorage<QueryCounter>();

/** Runs `fn` in a fresh counting scope and returns its result with the queries it made. */
export function countQueries<T>(fn: () => T): { result: T; queries: number } {
  const counter: QueryCounter = { count: 0 };
  const result = queryScope.run(counter, fn);
  return { result, queries: counter.count };
}

/** Async variant of countQueries: counts the queries made until the promise settles. */
export async function countQueriesAsync<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; queries: number }> {
  const counter: QueryCounter = { count: 0 };
  const result = await queryScope.run(counter, fn);
  return { result, queries: counter.count };
}

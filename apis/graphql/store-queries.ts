// Makes N+1 visible on the wire: each request runs in its own query-counting scope and the
// response carries the number of store queries it made in the x-store-queries header.

import type { Plugin } from 'graphql-yoga';
import { type QueryCounter, queryScope } from '../domain/index.ts';

export const STORE_QUERIES_HEADER = 'x-store-queries';

export function useStoreQueryCount(): Plugin {
  return {
    instrumentation: {
      // An instrumentation wraps the whole pipeline, hooks included, so the scope set here is
      // the one every resolver, DataLoader batch and onResponse below runs in.
      request: (_payload, wrapped) =>
        queryScope.run<void | Promise<void>, []>({ count: 0 }, wrapped),
    },
    onResponse({ response }) {
      const counter: QueryCounter | undefined = queryScope.getStore();
      // A subscription's header is sent before its events: it counts only the set-up queries.
      if (counter) response.headers.set(STORE_QUERIES_HEADER, String(counter.count));
    },
  };
}

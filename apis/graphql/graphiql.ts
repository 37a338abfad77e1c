// GraphiQL that works offline: @graphql-yoga/render-graphiql inlines the editor's JS, CSS and
// web workers (yoga's default page loads them from a CDN). The bundle is ~9 MB, so it is
// imported on the first page view only, keeping it out of the RSS a benchmark measures.

import type { GraphiQLOptions } from 'graphql-yoga';

const rendered = new Map<string, Promise<string>>();

export function renderOfflineGraphiQL(options: GraphiQLOptions): Promise<string> {
  const key = JSON.stringify(options);
  let page = rendered.get(key);
  if (!page) {
    page = import('@graphql-yoga/render-graphiql').then((m) => m.renderGraphiQL(options));
    // A failed import must not be cached forever.
    page.catch(() => rendered.delete(key));
    rendered.set(key, page);
  }
  return page;
}

export const DEFAULT_QUERY = `# The nested read: authors, their books, each book's latest reviews.
query NestedRead {
  authors(first: 5) {
    edges {
      node {
        name
        books {
          title
          reviews(latest: 3) { rating reviewer }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;

// Builds one GraphQL endpoint (graphql-yoga) over a Library. It does not listen: the instance
// is a node request listener (http.createServer(yoga)) and a fetch handler (yoga.fetch).

import { readFileSync } from 'node:fs';
import type { GraphQLSchema } from 'graphql';
import { createSchema, createYoga, type YogaLogger, type YogaServerInstance } from 'graphql-yoga';
import type { Library } from '../domain/index.ts';
import { maskError } from './errors.ts';
import { DEFAULT_QUERY, renderOfflineGraphiQL } from './graphiql.ts';
import { DEFAULT_LIMITS, type GraphQLLimits, useQueryLimits } from './limits.ts';
import { type GraphQLContext, resolvers } from './resolvers.ts';
import { useStoreQueryCount } from './store-queries.ts';

export const SCHEMA_FILE = new URL('../../schemas/graphql/schema.graphql', import.meta.url);

export interface GraphQLServerOptions {
  /** Batch and cache nested loads per request (true), or resolve them one query each (false). */
  dataloader: boolean;
  /** Path this instance answers on; default '/graphql'. */
  graphqlEndpoint?: string | undefined;
  /** Most keys in one DataLoader batch (the domain's default when absent). */
  maxBatchSize?: number | undefined;
  limits?: Partial<GraphQLLimits> | undefined;
  /** Stamp responses with x-store-queries (default true); see RestApiOptions for why serve does not. */
  storeQueriesHeader?: boolean | undefined;
  /** yoga's logger setting; default true (masked internal errors are logged). */
  logging?: boolean | YogaLogger | undefined;
}

export type GraphQLServer = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

let schema: GraphQLSchema | undefined;

/** The executable schema; built once per process, since it does not depend on the library. */
export function getSchema(): GraphQLSchema {
  schema ??= createSchema<GraphQLContext>({
    typeDefs: readFileSync(SCHEMA_FILE, 'utf8'),
    resolvers,
  });
  return schema;
}

export function buildGraphQLServer(library: Library, options: GraphQLServerOptions): GraphQLServer {
  const graphqlEndpoint = options.graphqlEndpoint ?? '/graphql';
  const limits: GraphQLLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const loaderOptions = { batch: options.dataloader, maxBatchSize: options.maxBatchSize };
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema: getSchema(),
    graphqlEndpoint,
    // Loaders live exactly one request: their cache must never serve another client's data.
    context: () => ({ library, loaders: library.createLoaders(loaderOptions) }),
    maskedErrors: { maskError },
    logging: options.logging ?? true,
    // Unknown paths get a plain 404, not yoga's landing page, so that a composition that
    // dispatches by path sees a clean miss.
    landingPage: false,
    graphiql: {
      title: `wirebench GraphQL${options.dataloader ? '' : ' (no DataLoader)'}`,
      endpoint: graphqlEndpoint,
      defaultQuery: DEFAULT_QUERY,
      subscriptionsProtocol: 'SSE',
    },
    renderGraphiQL: renderOfflineGraphiQL,
    plugins: [
      ...(options.storeQueriesHeader === false ? [] : [useStoreQueryCount()]),
      ...useQueryLimits(limits),
    ],
  });
}

// The GraphQL adapter's public surface: build an endpoint over a Library; listening is the
// caller's business (http.createServer(buildGraphQLServer(library, { dataloader: true }))).

export { INTERNAL_MESSAGE, toGraphQLError } from './errors.ts';
export { DEFAULT_LIMITS, type GraphQLLimits } from './limits.ts';
export type { GraphQLContext } from './resolvers.ts';
export {
  buildGraphQLServer,
  type GraphQLServer,
  type GraphQLServerOptions,
  getSchema,
  SCHEMA_FILE,
} from './server.ts';
export { STORE_QUERIES_HEADER } from './store-queries.ts';

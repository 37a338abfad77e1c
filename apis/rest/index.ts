// The REST/OpenAPI adapter's public surface.

export { HTTP_STATUS_BY_CODE, type Problem } from './problem.ts';
export { buildRestApi } from './rest-api.ts';
export { STORE_QUERIES_HEADER } from './store-queries.ts';
export type { RestApi, RestApiOptions, RestLogger } from './types.ts';

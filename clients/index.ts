// Picks the client implementation for a variant. Each protocol's client lives in its own folder
// and knows nothing of the others.

import { createConnectClient } from './connect/index.ts';
import type { ClientOptions, Endpoints, LibraryClient, Variant } from './contract.ts';
import { createGraphQLClient } from './graphql/index.ts';
import { createGrpcClient } from './grpc/index.ts';
import { createRestClient } from './rest/index.ts';

export * from './contract.ts';

export function createClient(
  variant: Variant,
  endpoints: Endpoints,
  options: ClientOptions = {},
): LibraryClient {
  switch (variant) {
    case 'rest':
      return createRestClient(endpoints);
    case 'graphql':
      return createGraphQLClient(endpoints);
    case 'grpc':
    case 'grpc-connect':
      return createGrpcClient(variant, endpoints);
    case 'connect-json-h1':
    case 'connect-proto-h1':
    case 'connect-json-h2':
    case 'connect-proto-h2':
    case 'grpc-web-h1':
    case 'grpc-web-h2':
      return createConnectClient(variant, endpoints, { compression: options.compression });
  }
}

// Picks the client implementation for a variant. Each protocol's client lives in its own folder
// and knows nothing of the others.

import { type ConnectVariant, createConnectClient } from './connect/index.ts';
import type { ClientOptions, Endpoints, LibraryClient, Variant } from './contract.ts';
import { createGraphQLClient } from './graphql/index.ts';
import { createGrpcClient, type GrpcVariant } from './grpc/index.ts';
import { createRestClient } from './rest/index.ts';
import { describeVariant, type VariantDescriptor } from './variants.ts';

export * from './contract.ts';

type ClientFactory = (
  variant: Variant,
  endpoints: Endpoints,
  options: ClientOptions,
) => LibraryClient;

/** One factory per client library of the descriptor table (clients/variants.ts). */
const FACTORIES: Record<VariantDescriptor['client'], ClientFactory> = {
  'openapi-fetch': (_variant, endpoints) => createRestClient(endpoints),
  'graphql-request': (_variant, endpoints) => createGraphQLClient(endpoints),
  // The table gives the grpc-js client to the gRPC variants only, the connect-node one to the
  // Connect and gRPC-Web variants only (clients/variants.spec.ts holds it to that).
  'grpc-js': (variant, endpoints) => createGrpcClient(variant as GrpcVariant, endpoints),
  'connect-node': (variant, endpoints, options) =>
    createConnectClient(variant as ConnectVariant, endpoints, { compression: options.compression }),
};

export function createClient(
  variant: Variant,
  endpoints: Endpoints,
  options: ClientOptions = {},
): LibraryClient {
  return FACTORIES[describeVariant(variant).client](variant, endpoints, options);
}

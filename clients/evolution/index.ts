// One evolution client per protocol variant, each built from one version's generated code.

import type { CreateEvolutionClient, EvolutionVariant } from '../../schemas/evolution/types.ts';
import { createConnectClient } from './connect.ts';
import { createGraphqlClient } from './graphql.ts';
import { createGrpcClient } from './grpc.ts';
import { createRestClient } from './rest.ts';

export const CLIENT_FACTORIES: Record<EvolutionVariant, CreateEvolutionClient> = {
  rest: createRestClient,
  graphql: createGraphqlClient,
  grpc: createGrpcClient,
  'grpc-connect': createConnectClient,
  'connect-json': createConnectClient,
  'connect-proto': createConnectClient,
  'grpc-web': createConnectClient,
};

export const createEvolutionClient: CreateEvolutionClient = (options) =>
  CLIENT_FACTORIES[options.variant](options);

export type { EvolutionServerProcess } from './server-process.ts';
export { startEvolutionServers } from './server-process.ts';

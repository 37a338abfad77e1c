// The grpc-js adapter: library.v1.LibraryService over the domain.

export { GRPC_STATUS, toServiceError } from './errors.ts';
export {
  buildGrpcServer,
  DEFAULT_GRPC_PORT,
  GRPC_LIMITS,
  type GrpcServer,
  type GrpcServerOptions,
  SERVICE_NAME,
} from './server.ts';
export {
  CATALOG_CHUNK_DEFAULT,
  CATALOG_CHUNK_MAX,
  type CallTracker,
  createLibraryService,
} from './service.ts';

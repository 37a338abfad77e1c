// The Connect adapter's public surface: routes, the HTTP/1.1 handler, the HTTP/2 server.

export {
  CORS_ALLOWED_HEADERS,
  CORS_ALLOWED_METHODS,
  CORS_EXPOSED_HEADERS,
  type CorsOptions,
} from './cors.ts';
export { buildConnectRoutes, type ConnectRoutesOptions } from './routes.ts';
export {
  buildConnectH2Server,
  buildConnectHandler,
  COMPRESS_MIN_BYTES,
  CONNECT_LIMITS,
  CONNECT_PATH_PREFIX,
  type ConnectH2Server,
  type ConnectH2ServerOptions,
  type ConnectHandler,
  type ConnectServerOptions,
  isConnectRequest,
} from './server.ts';
export { STREAM_CATALOG_CHUNK_DEFAULT, STREAM_CATALOG_CHUNK_MAX } from './service.ts';

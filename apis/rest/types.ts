// The REST adapter's public types.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type express from 'express';

/** The subset of a pino logger the adapter uses (a pino Logger fits). */
export interface RestLogger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface RestApiOptions {
  /** Largest JSON request body; larger ones get 413 resource_exhausted. Default 1 MiB. */
  bodyLimitBytes?: number;
  /** Largest NDJSON import body. Default 32 MiB (10,000 reviews of ~3 KiB). */
  importLimitBytes?: number;
  /** Largest single line of an import. Default 64 KiB. */
  importLineLimitBytes?: number;
  /** Interval of SSE keep-alive comments. Default 15 s. */
  sseHeartbeatMs?: number;
  /** Where unexpected errors go. Default: a pino logger on stdout. */
  logger?: RestLogger;
  /**
   * Stamp each response with x-store-queries (default true). `wirebench serve` turns it off:
   * benchmarks read store queries from the metrics endpoint, and a header only REST and
   * GraphQL send would add bytes and work that the RPC protocols do not pay.
   */
  storeQueriesHeader?: boolean;
}

export interface RestApi {
  app: express.Express;
  /** Takes a WebSocket upgrade; false when the path is not a REST WebSocket path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Ends SSE streams, NDJSON exports and WebSockets. The library stays open. */
  close(): Promise<void>;
}

// Everything `wirebench serve` runs: the HTTP/1.1 server (REST, GraphQL, Connect, gRPC-Web),
// the HTTP/2 cleartext server (Connect, gRPC, gRPC-Web on connect-node) and the grpc-js
// server, or one protocol alone (`--only`) so that a shootout gives each its own process.

import type { Logger } from 'pino';
import { buildConnectH2Server, type ConnectH2Server } from './connect/index.ts';
import type { Library } from './domain/index.ts';
import { buildGrpcServer, DEFAULT_GRPC_PORT, type GrpcServer } from './grpc/index.ts';
import { buildHttpServer, type HttpServer } from './http-server.ts';
import { buildMetricsServer, type MetricsServer } from './metrics.ts';

/** What `--only` accepts: one implementation of one or more protocols. */
export const SERVE_GROUPS = ['rest', 'graphql', 'connect', 'grpc'] as const;
export type ServeGroup = (typeof SERVE_GROUPS)[number];

export const DEFAULT_PORTS = { http: 8080, h2: 8081, grpc: DEFAULT_GRPC_PORT } as const;

export interface ServeConfig {
  host: string;
  httpPort: number;
  h2Port: number;
  grpcPort: number;
  /** Prometheus metrics port; no metrics server when absent. */
  metricsPort?: number | undefined;
  only?: ServeGroup | undefined;
  /**
   * Gzip responses of 1 KiB or more for clients that accept gzip. Off by default, so that every
   * protocol's bodies go out as encoded (grpc-js cannot compress responses, and grpc-js and
   * undici clients always offer gzip); the shootout turns it on for a separate bytes pass.
   */
  compression?: boolean | undefined;
  logger?: Logger | undefined;
}

export interface RunningServers {
  /** Bound ports of the servers that run (0 or absent ones are not running). */
  ports: { http?: number; h2?: number; grpc?: number; metrics?: number };
  close(options?: { graceMs?: number }): Promise<void>;
}

export async function startServers(library: Library, config: ServeConfig): Promise<RunningServers> {
  const only = config.only;
  const wantHttp =
    only === undefined || only === 'rest' || only === 'graphql' || only === 'connect';
  const wantH2 = only === undefined || only === 'connect';
  const wantGrpc = only === undefined || only === 'grpc';

  const ports: RunningServers['ports'] = {};
  let http: HttpServer | undefined;
  let h2: ConnectH2Server | undefined;
  let grpc: GrpcServer | undefined;
  let metrics: MetricsServer | undefined;
  const close = async (options?: { graceMs?: number }) => {
    // The HTTP servers abort their Connect calls synchronously as close() begins; ending the
    // subscriptions next lets every other stream (SSE, GraphQL, grpc-js) finish with OK.
    const pending = [http?.close(options), h2?.close(options)];
    library.events.close();
    pending.push(grpc?.close(options), metrics?.close());
    await Promise.all(pending);
  };
  try {
    if (wantHttp) {
      http = buildHttpServer(library, {
        logger: config.logger,
        compression: config.compression ?? false,
        parts:
          only === undefined
            ? undefined
            : { rest: only === 'rest', graphql: only === 'graphql', connect: only === 'connect' },
      });
      ports.http = await http.listen(config.httpPort, config.host);
    }
    if (wantH2) {
      h2 = buildConnectH2Server(library, {
        logger: config.logger,
        compressResponses: config.compression ?? false,
      });
      ports.h2 = await h2.listen(config.h2Port, config.host);
    }
    if (wantGrpc) {
      grpc = buildGrpcServer(library, {
        onInternalError: (err) => config.logger?.error({ err }, 'grpc internal error'),
      });
      ports.grpc = await grpc.listen(config.host, config.grpcPort);
    }
    if (config.metricsPort !== undefined) {
      metrics = buildMetricsServer(library);
      ports.metrics = await metrics.listen(config.metricsPort, config.host);
    }
  } catch (err) {
    await close({ graceMs: 0 });
    throw err;
  }
  return { ports, close };
}

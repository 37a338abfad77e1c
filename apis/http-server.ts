// The HTTP/1.1 composition: one node:http server on which REST (express), GraphQL with and
// without DataLoader (yoga), Connect and gRPC-Web (connect-node) and the health endpoints live
// side by side. Each protocol is dispatched by path before express, so that GraphQL and
// Connect figures carry no express overhead; `parts` leaves protocols out (serve --only).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import compression from 'compression';
import type { Logger } from 'pino';
import { buildConnectHandler, COMPRESS_MIN_BYTES, type ConnectHandler } from './connect/index.ts';
import type { Library } from './domain/index.ts';
import { buildGraphQLServer } from './graphql/index.ts';
import { buildRestApi } from './rest/index.ts';

export interface HttpServerParts {
  rest: boolean;
  graphql: boolean;
  connect: boolean;
}

export interface HttpServerOptions {
  logger?: Logger | undefined;
  /** Stamp REST and GraphQL responses with x-store-queries (serve: off; tests: on). */
  storeQueriesHeader?: boolean | undefined;
  /**
   * Gzip responses of 1 KiB or more when the client accepts it: REST and GraphQL through the
   * `compression` middleware (SSE left alone, so events are not held back in a gzip buffer),
   * Connect and gRPC-Web through connect-node's own compression. Off by default.
   */
  compression?: boolean | undefined;
  /** Which protocols to serve; all of them by default. */
  parts?: Partial<HttpServerParts> | undefined;
}

export interface HttpServer {
  server: Server;
  /** Starts listening; resolves with the bound port (pass 0 for an ephemeral one). */
  listen(port: number, host?: string): Promise<number>;
  /** Stops accepting, ends streams (SSE, WebSocket, subscriptions) and waits for sockets to close. */
  close(options?: { graceMs?: number }): Promise<void>;
  /** False once close() has begun; /readyz reports it. */
  readonly ready: boolean;
}

const NOT_FOUND = {
  type: 'urn:wirebench:problem:not_found',
  title: 'Not Found',
  status: 404,
  code: 'not_found',
  detail: 'no such path on this server',
};

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  type = 'application/json',
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

function buildCompression(): Middleware {
  const middleware = compression({
    threshold: COMPRESS_MIN_BYTES,
    // SSE must reach the client event by event; everything else compressible (JSON, NDJSON,
    // problem+json, GraphQL responses) is compressed.
    filter: (req, res) => {
      const type = String(res.getHeader('content-type') ?? '');
      if (type.startsWith('text/event-stream')) return false;
      if (type.startsWith('application/x-ndjson')) return true;
      return compression.filter(req, res);
    },
  });
  return middleware as unknown as Middleware;
}

export function buildHttpServer(library: Library, options: HttpServerOptions = {}): HttpServer {
  const parts: HttpServerParts = { rest: true, graphql: true, connect: true, ...options.parts };
  const rest = parts.rest
    ? buildRestApi(library, {
        logger: options.logger,
        storeQueriesHeader: options.storeQueriesHeader ?? false,
      })
    : undefined;
  const graphql = parts.graphql
    ? buildGraphQLServer(library, {
        dataloader: true,
        graphqlEndpoint: '/graphql',
        storeQueriesHeader: options.storeQueriesHeader ?? false,
      })
    : undefined;
  const graphqlNaive = parts.graphql
    ? buildGraphQLServer(library, {
        dataloader: false,
        graphqlEndpoint: '/graphql-naive',
        storeQueriesHeader: options.storeQueriesHeader ?? false,
      })
    : undefined;
  const connect: ConnectHandler | undefined = parts.connect
    ? buildConnectHandler(library, {
        logger: options.logger,
        compressResponses: options.compression ?? false,
      })
    : undefined;
  // Chosen once here, so that a server without compression runs its handlers as they are.
  const gzip = options.compression ? buildCompression() : undefined;
  const compressed = <H extends Handler>(handler: H): Handler =>
    gzip ? (req, res) => gzip(req, res, () => void handler(req, res)) : handler;
  const restHandler = rest ? compressed(rest.app) : undefined;
  const graphqlHandler = graphql ? compressed(graphql) : undefined;
  const graphqlNaiveHandler = graphqlNaive ? compressed(graphqlNaive) : undefined;
  let ready = true;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    if (connect?.matches(req)) {
      connect(req, res);
    } else if (graphqlHandler && (path === '/graphql' || path.startsWith('/graphql/'))) {
      void graphqlHandler(req, res);
    } else if (
      graphqlNaiveHandler &&
      (path === '/graphql-naive' || path.startsWith('/graphql-naive/'))
    ) {
      void graphqlNaiveHandler(req, res);
    } else if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok' });
    } else if (path === '/readyz') {
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'draining' });
    } else if (restHandler) {
      void restHandler(req, res);
    } else {
      sendJson(res, 404, NOT_FOUND, 'application/problem+json');
    }
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!rest?.handleUpgrade(req, socket, head)) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    }
  });

  return {
    server,
    get ready() {
      return ready;
    },
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      });
    },
    async close({ graceMs = 5_000 } = {}) {
      ready = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Ending subscriptions lets SSE responses and GraphQL subscriptions finish normally.
      // Connect calls first, so that their streams end UNAVAILABLE rather than OK.
      connect?.close();
      library.events.close();
      await rest?.close();
      await Promise.all([graphql?.dispose(), graphqlNaive?.dispose()]);
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
    },
  };
}

// Serving the routes: a node handler for the shared HTTP/1.1 server (Connect and gRPC-Web)
// and an HTTP/2 cleartext server (Connect, gRPC and gRPC-Web in every call mode).

import type { IncomingMessage, ServerResponse } from 'node:http';
import * as http2 from 'node:http2';
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { compressionGzip, connectNodeAdapter } from '@connectrpc/connect-node';
import { LibraryService } from '../../schemas/gen/es/library/v1/library_pb.ts';
import type { Library } from '../domain/index.ts';
import {
  type CorsOptions,
  type NodeHandlerFn,
  type NodeServerRequest,
  type NodeServerResponse,
  withCors,
} from './cors.ts';
import { REFLECTION_SERVICES } from './reflection.ts';
import { buildConnectRoutes, type ConnectRoutesOptions } from './routes.ts';

const MiB = 1024 * 1024;

/**
 * Deliberate limits (connect-node's defaults are ~4 GiB per message and no stream cap).
 * - readMaxBytes 1 MiB per request message, after decompression: the largest valid request
 *   is a CreateBook with an 8,000-character description, under 64 KB even as JSON with every
 *   character escaped; a client stream is limited per message (ImportReviews by count).
 * - writeMaxBytes 32 MiB per response message: ExportCatalog measured 2.28 MB (binary) /
 *   2.55 MB (JSON) at the default scale (2,000 books) and 22.8 MB / 25.5 MB at the large
 *   scale (20,000 books), so both go through as one message; past that, StreamCatalog is
 *   the way and the export fails with RESOURCE_EXHAUSTED instead of buffering without bound.
 * - maxConcurrentStreams 250 per HTTP/2 connection (Go's net/http2 default): above the
 *   concurrency a shootout drives through one connection, far below node's 2^32-1.
 */
/** Response messages smaller than this are sent uncompressed when compression is on. */
export const COMPRESS_MIN_BYTES = 1024;

export const CONNECT_LIMITS = {
  readMaxBytes: 1 * MiB,
  writeMaxBytes: 32 * MiB,
  maxConcurrentStreams: 250,
} as const;

/** Every RPC of the service lives under this path; the HTTP/1.1 composition dispatches on it. */
export const CONNECT_PATH_PREFIX = `/${LibraryService.typeName}/`;

/**
 * Reflection is dispatched to connect-node on HTTP/1.1 too, so that a client trying it there
 * gets connect-node's answer to a bidi call over HTTP/1.1 (505) rather than a REST 404.
 */
const PATH_PREFIXES = [
  CONNECT_PATH_PREFIX,
  ...REFLECTION_SERVICES.map((service) => `/${service.typeName}/`),
];

/** True when a request (an RPC or its CORS preflight) belongs to the Connect handler. */
export function isConnectRequest(req: { url?: string | undefined }): boolean {
  const url = req.url ?? '';
  return PATH_PREFIXES.some((prefix) => url.startsWith(prefix));
}

export interface ConnectServerOptions extends ConnectRoutesOptions {
  readMaxBytes?: number | undefined;
  writeMaxBytes?: number | undefined;
  cors?: CorsOptions | undefined;
  /**
   * Compress responses for clients that accept gzip (connect-node's default, on unless false).
   * Requests compressed with gzip are accepted either way. `wirebench serve` turns it off
   * unless --compression, so that connect-node answers plain bodies as grpc-js, express and yoga
   * do: grpc-js clients always offer gzip, and a compressed connect-node response beside a
   * plain grpc-js one would compare compression, not protocols. When on, messages of 1 KiB or
   * more are compressed (connect-node's compressMinBytes default, stated here explicitly).
   */
  compressResponses?: boolean | undefined;
  /**
   * Run around every call after error translation (they see ConnectErrors): metrics in
   * benchmarks, and tests that observe when a call ended on the server.
   */
  interceptors?: Interceptor[] | undefined;
}

export interface ConnectH2ServerOptions extends ConnectServerOptions {
  maxConcurrentStreams?: number | undefined;
}

/** A node request handler with its dispatch test and a shutdown switch. */
export type ConnectHandler = NodeHandlerFn & {
  /** Same as isConnectRequest. */
  matches(req: NodeServerRequest): boolean;
  /**
   * Aborts every running call (streams end with UNAVAILABLE) and refuses new ones; the
   * owner of the HTTP server closes its sockets.
   */
  close(): void;
};

function shutdownReason(): ConnectError {
  return new ConnectError('the server is shutting down', Code.Unavailable);
}

function buildAdapter(
  library: Library,
  options: ConnectServerOptions,
  protocols: { grpc: boolean },
  shutdownSignal: AbortSignal,
): NodeHandlerFn {
  const adapter = connectNodeAdapter({
    routes: buildConnectRoutes(library, options),
    grpc: protocols.grpc,
    grpcWeb: true,
    connect: true,
    readMaxBytes: options.readMaxBytes ?? CONNECT_LIMITS.readMaxBytes,
    writeMaxBytes: options.writeMaxBytes ?? CONNECT_LIMITS.writeMaxBytes,
    // gzip only: what every gRPC implementation and buf curl speak; brotli is not in gRPC.
    acceptCompression: [compressionGzip],
    compressMinBytes:
      options.compressResponses === false ? Number.MAX_SAFE_INTEGER : COMPRESS_MIN_BYTES,
    shutdownSignal,
    interceptors: options.interceptors ?? [],
  });
  return withCors(adapter, options.cors);
}

/**
 * The handler for the HTTP/1.1 server of port 8080: Connect and gRPC-Web, not gRPC (which
 * needs HTTP/2; a gRPC request gets 415). Over HTTP/1.1 unary, server streaming and client
 * streaming work from node clients; bidi is refused by connect-node with 505.
 */
export function buildConnectHandler(
  library: Library,
  options: ConnectServerOptions = {},
): ConnectHandler {
  const shutdown = new AbortController();
  const handler = buildAdapter(library, options, { grpc: false }, shutdown.signal);
  return Object.assign(
    (req: NodeServerRequest, res: NodeServerResponse) => {
      if (!('stream' in req)) closeConnectionIfBodyUnread(req, res as ServerResponse);
      handler(req, res);
    },
    {
      matches: isConnectRequest,
      close: () => shutdown.abort(shutdownReason()),
    },
  );
}

/**
 * When a call is answered before its request body was read to the end (gRPC-Web refusing a
 * message over readMaxBytes stops reading mid-body), connect-node destroys the request but
 * node keeps the socket open with its parser stuck, and the client's next request on that
 * keep-alive connection hangs. Answering such a call with `Connection: close`, as Go's
 * net/http does, makes the client open a new connection instead.
 */
function closeConnectionIfBodyUnread(req: IncomingMessage, res: ServerResponse): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: Parameters<typeof writeHead>) {
    if (!req.complete) this.shouldKeepAlive = false;
    return writeHead.apply(this, args);
  } as typeof writeHead;
}

export interface ConnectH2Server {
  readonly server: http2.Http2Server;
  /** Starts listening; resolves with the bound port (pass 0 for an ephemeral one). */
  listen(port: number, host?: string): Promise<number>;
  /**
   * Ends running calls (UNAVAILABLE), sends GOAWAY on every session, and destroys what is
   * still open after graceMs.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

/** An unstarted HTTP/2 cleartext (h2c, prior knowledge) server, default port 8081. */
export function buildConnectH2Server(
  library: Library,
  options: ConnectH2ServerOptions = {},
): ConnectH2Server {
  const shutdown = new AbortController();
  const handler = buildAdapter(library, options, { grpc: true }, shutdown.signal);
  const server = http2.createServer(
    {
      settings: {
        maxConcurrentStreams: options.maxConcurrentStreams ?? CONNECT_LIMITS.maxConcurrentStreams,
      },
    },
    (req, res) => handler(req, res),
  );
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });

  return {
    server,
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
      shutdown.abort(shutdownReason());
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      const timer = setTimeout(() => {
        for (const session of sessions) session.destroy();
      }, graceMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
    },
  };
}

// The grpc-js server of library.v1.LibraryService (HTTP/2, protobufjs codecs), with server
// reflection and the standard health service. buildGrpcServer() builds; listen() binds, so
// tests and benchmarks can serve on an ephemeral port in-process.

import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import {
  fileDescriptorProtos,
  LibraryServiceDefinition,
} from '../../schemas/gen/pbjs/library_grpc_pb.ts';
import type { Library } from '../domain/index.ts';
import { type CallTracker, createLibraryService } from './service.ts';

export const DEFAULT_GRPC_PORT = 50051;
export const SERVICE_NAME = 'library.v1.LibraryService';

const MiB = 1024 * 1024;

/**
 * Deliberate limits (grpc-js accepts 4 MiB and sends without limit by default).
 *
 * Receive: the largest valid request is an UpdateBook/CreateBook at every domain maximum,
 * about 40 KB (8,000-character description at up to 4 UTF-8 bytes each, 200-character title,
 * 10 tags of 32); 1 MiB leaves room for growth yet refuses junk before it is decoded.
 *
 * Send: ExportCatalog is one message holding the whole catalog, about 1.15 KB per book
 * (measured with the seeded data: 2,282,177 bytes for the 2,000 books of the default scale,
 * 228,925 for the small scale). 32 MiB carries the catalog up to about 29,000 books, so the
 * large scale (20,000 books, ~23 MB) still fits; past that the call fails with
 * RESOURCE_EXHAUSTED and StreamCatalog is the way to move a catalog that size. A grpc-js
 * client must raise its own grpc.max_receive_message_length (4 MiB by default) to match.
 *
 * Streams: 100 concurrent streams per HTTP/2 connection (the RFC 9113 recommended minimum,
 * what most servers default to) bounds the work one connection can start; a client that
 * wants more concurrency opens more connections. The client holds a call over the limit back
 * until one of the connection's calls ends. On Node 24 a call the client cancels (or whose
 * deadline passes) does not free its slot for that held-back call: the cancel (RST_STREAM) and
 * the held-back call's HEADERS leave in one write, and node's HTTP/2 server still counts the
 * reset stream while it reads them, so it refuses the newcomer with RST_STREAM
 * (ENHANCE_YOUR_CALM), which grpc-js reports as RESOURCE_EXHAUSTED "Bandwidth exhausted or
 * memory limit exceeded" (Node 20 frees the slot first). Clients that cancel calls should stay
 * under the limit rather than queue at it.
 */
export const GRPC_LIMITS = {
  maxReceiveMessageBytes: 1 * MiB,
  maxSendMessageBytes: 32 * MiB,
  maxConcurrentStreams: 100,
} as const;

export interface GrpcServerOptions {
  maxReceiveMessageBytes?: number | undefined;
  maxSendMessageBytes?: number | undefined;
  maxConcurrentStreams?: number | undefined;
  /** Server reflection (grpc.reflection.v1 and v1alpha); on by default. */
  reflection?: boolean | undefined;
  /** grpc.health.v1.Health; on by default. */
  health?: boolean | undefined;
  /** Called with the cause of every INTERNAL status (the client only sees a masked message). */
  onInternalError?: ((err: unknown) => void) | undefined;
  /** Further grpc-js channel options, applied last. */
  channelOptions?: grpc.ServerOptions | undefined;
}

export interface GrpcServer {
  server: grpc.Server;
  health: HealthImplementation | undefined;
  /** Binds and starts serving; resolves with the bound port (useful with port 0). */
  listen(host?: string, port?: number): Promise<number>;
  /**
   * Reports NOT_SERVING, refuses new calls and waits for running ones; after `graceMs` the
   * remaining calls (open streams such as WatchReviews) are cancelled.
   */
  close(options?: { graceMs?: number | undefined }): Promise<void>;
  /** Streaming handlers still running; 0 once every stream has stopped its work. */
  activeStreams(): number;
}

function toAddress(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function buildGrpcServer(library: Library, options: GrpcServerOptions = {}): GrpcServer {
  const server = new grpc.Server({
    'grpc.max_receive_message_length':
      options.maxReceiveMessageBytes ?? GRPC_LIMITS.maxReceiveMessageBytes,
    'grpc.max_send_message_length': options.maxSendMessageBytes ?? GRPC_LIMITS.maxSendMessageBytes,
    'grpc.max_concurrent_streams': options.maxConcurrentStreams ?? GRPC_LIMITS.maxConcurrentStreams,
    ...options.channelOptions,
  });
  const tracker: CallTracker = { active: 0 };
  const onInternalError =
    options.onInternalError ??
    ((err: unknown) => {
      process.stderr.write(`grpc: internal error: ${err instanceof Error ? err.stack : err}\n`);
    });
  server.addService(
    LibraryServiceDefinition,
    createLibraryService(library, tracker, onInternalError),
  );

  let health: HealthImplementation | undefined;
  if (options.health ?? true) {
    health = new HealthImplementation({ '': 'SERVING', [SERVICE_NAME]: 'SERVING' });
    health.addToServer(server);
  }

  if (options.reflection ?? true) {
    // Reflection reads only the serialized FileDescriptorProtos of a package definition. These
    // are buf's own, so clients see the contract exactly as compiled (no proto-loader merge).
    // The health service stays out: its proto-loader descriptors confuse buf curl, and health
    // probes call it by its well-known name without reflection.
    type PackageDefinition = ConstructorParameters<typeof ReflectionService>[0];
    const definition = { [SERVICE_NAME]: { fileDescriptorProtos } };
    new ReflectionService(definition as unknown as PackageDefinition).addToServer(server);
  }

  let closing: Promise<void> | undefined;

  return {
    server,
    health,
    listen(host = '127.0.0.1', port = DEFAULT_GRPC_PORT) {
      return new Promise((resolve, reject) => {
        server.bindAsync(
          toAddress(host, port),
          grpc.ServerCredentials.createInsecure(),
          (err, bound) => (err ? reject(err) : resolve(bound)),
        );
      });
    },
    close({ graceMs = 5_000 } = {}) {
      closing ??= new Promise<void>((resolve) => {
        health?.setStatus('', 'NOT_SERVING');
        health?.setStatus(SERVICE_NAME, 'NOT_SERVING');
        const timer = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return closing;
    },
    activeStreams: () => tracker.active,
  };
}

// Bare hello-world servers of each stack the library is served with: the ceiling a protocol's
// figures are read against, so that a framework's own cost is never taken for the protocol's.
// No database, no validation, no logging: the least each stack does to answer one request.

import * as http from 'node:http';
import * as http2 from 'node:http2';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { compressionGzip, connectNodeAdapter } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import express from 'express';
import { createSchema, createYoga } from 'graphql-yoga';
import type { CeilingStack } from '../../clients/variants.ts';
import {
  Genre,
  GetBookResponseSchema,
  LibraryService,
} from '../../schemas/gen/es/library/v1/library_pb.ts';

export type { CeilingStack } from '../../clients/variants.ts';

const LISTED = [
  'node-http',
  'express',
  'graphql-yoga',
  'grpc-js',
  'connect-h1',
  'connect-h2',
] as const satisfies readonly CeilingStack[];
// Fails to type-check when clients/variants.ts names a stack this list lacks (an unknown one
// already fails the `satisfies` above).
const EVERY_STACK_LISTED: [Exclude<CeilingStack, (typeof LISTED)[number]>] extends [never]
  ? true
  : never = true;
void EVERY_STACK_LISTED;

/** Every stack with a ceiling server, in the order a run measures them. */
export const CEILING_STACKS: readonly CeilingStack[] = LISTED;

export function isCeilingStack(name: string): name is CeilingStack {
  return (CEILING_STACKS as readonly string[]).includes(name);
}

export const HELLO_PATH = '/hello';
export const HELLO_JSON = '{"hello":"world"}';
export const GRAPHQL_HELLO_QUERY = '{ hello }';

/** The grpc-js hello method; its messages are raw protobuf bytes, no codegen involved. */
export const GRPC_HELLO_PATH = '/wirebench.ceiling.v1.HelloService/SayHello';
/** HelloRequest { string name = 1; } with name "world". */
export const GRPC_HELLO_REQUEST = Buffer.from([0x0a, 0x05, ...Buffer.from('world')]);
/** HelloReply { string message = 1; } with message "Hello, world". */
export const GRPC_HELLO_REPLY = Buffer.from([0x0a, 0x0c, ...Buffer.from('Hello, world')]);

/** Limits the real servers use (apis/grpc, apis/connect), so the ceiling runs under the same. */
const GRPC_MAX_CONCURRENT_STREAMS = 100;
const CONNECT_MAX_CONCURRENT_STREAMS = 250;
const MiB = 1024 * 1024;

/** The constant GetBook answer of the connect-node ceilings: a book of the seeded size (~1 KB). */
export const CEILING_BOOK_ID = 1;
export const CEILING_GET_BOOK_RESPONSE = create(GetBookResponseSchema, {
  book: {
    id: CEILING_BOOK_ID,
    authorId: 1,
    title: 'The Golden Harbour',
    isbn: '9780001640979',
    genre: Genre.HISTORY,
    tags: ['classic', 'illustrated', 'annotated'],
    priceCents: 3889,
    pages: 990,
    publishedAt: timestampFromDate(new Date('2001-12-02T00:00:00.000Z')),
    description: 'A quiet harbour town keeps the memory of every ship that left it. '.repeat(16),
  },
});

export interface CeilingServer {
  /** Starts listening; resolves with the bound port. */
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

/** An unstarted ceiling server of one stack. */
export function buildCeilingServer(stack: CeilingStack): CeilingServer {
  switch (stack) {
    case 'node-http':
      return wrapHttp(http.createServer(answerHello));
    case 'express': {
      const app = express();
      app.get(HELLO_PATH, (_req, res) => {
        res.json({ hello: 'world' });
      });
      return wrapHttp(http.createServer(app));
    }
    case 'graphql-yoga': {
      const yoga = createYoga({
        schema: createSchema({
          typeDefs: 'type Query { hello: String! }',
          resolvers: { Query: { hello: () => 'world' } },
        }),
        graphiql: false,
        landingPage: false,
        logging: false,
      });
      return wrapHttp(http.createServer(yoga));
    }
    case 'grpc-js':
      return buildGrpcHello();
    case 'connect-h1':
      return wrapHttp(http.createServer(buildConnectGetBook(false)));
    case 'connect-h2':
      return wrapHttp2(
        http2.createServer(
          { settings: { maxConcurrentStreams: CONNECT_MAX_CONCURRENT_STREAMS } },
          buildConnectGetBook(true),
        ),
      );
  }
}

const HELLO_HEADERS = {
  'content-type': 'application/json',
  'content-length': String(Buffer.byteLength(HELLO_JSON)),
};

function answerHello(_req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(200, HELLO_HEADERS);
  res.end(HELLO_JSON);
}

/** connect-node serving LibraryService with GetBook alone, answering a constant book. */
function buildConnectGetBook(grpcProtocol: boolean) {
  return connectNodeAdapter({
    routes: (router) => {
      router.service(LibraryService, { getBook: () => CEILING_GET_BOOK_RESPONSE });
    },
    grpc: grpcProtocol,
    grpcWeb: true,
    connect: true,
    readMaxBytes: MiB,
    writeMaxBytes: 32 * MiB,
    acceptCompression: [compressionGzip],
  });
}

function listenOn(
  server: http.Server | http2.Http2Server,
  port: number,
  host: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function wrapHttp(server: http.Server): CeilingServer {
  return {
    listen: (port, host) => listenOn(server, port, host),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function wrapHttp2(server: http2.Http2Server): CeilingServer {
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  return {
    listen: (port, host) => listenOn(server, port, host),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.destroy();
      }),
  };
}

function buildGrpcHello(): CeilingServer {
  const server = new grpc.Server({
    'grpc.max_concurrent_streams': GRPC_MAX_CONCURRENT_STREAMS,
  });
  const identity = (value: Buffer) => value;
  const definition: grpc.ServiceDefinition = {
    SayHello: {
      path: GRPC_HELLO_PATH,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
  server.addService(definition, {
    SayHello: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
      callback(null, GRPC_HELLO_REPLY),
  });
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.bindAsync(
          `${host}:${port}`,
          grpc.ServerCredentials.createInsecure(),
          (err, bound) => (err ? reject(err) : resolve(bound)),
        );
      }),
    close: async () => {
      server.forceShutdown();
    },
  };
}

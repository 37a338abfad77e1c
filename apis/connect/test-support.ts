// Shared by the Connect specs: both servers on ephemeral ports, one client per protocol
// variant, and proto -> domain converters written independently of convert.ts.

import { createServer, type Server } from 'node:http';
import { type Timestamp, timestampDate } from '@bufbuild/protobuf/wkt';
import {
  type Client,
  Code,
  ConnectError,
  createClient,
  type Interceptor,
  type Transport,
} from '@connectrpc/connect';
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
  Http2SessionManager,
} from '@connectrpc/connect-node';
import {
  Genre,
  LibraryService,
  type Author as ProtoAuthor,
  type Book as ProtoBook,
  type Review as ProtoReview,
} from '../../schemas/gen/es/library/v1/library_pb.ts';
import type { Author, Book, Library, Review } from '../domain/index.ts';
import {
  buildConnectH2Server,
  buildConnectHandler,
  type ConnectH2ServerOptions,
  type ConnectHandler,
} from './index.ts';

export interface Servers {
  /** http://127.0.0.1:PORT of the HTTP/1.1 server (Connect, gRPC-Web). */
  h1Url: string;
  /** http://127.0.0.1:PORT of the HTTP/2 cleartext server (Connect, gRPC, gRPC-Web). */
  h2Url: string;
  /** The handler mounted on the HTTP/1.1 server (its close() is the shutdown switch). */
  h1Handler: ConnectHandler;
  close(): Promise<void>;
}

/** The HTTP/1.1 side mimics the composition of port 8080: dispatch on the path prefix. */
export async function startServers(
  library: Library,
  options: ConnectH2ServerOptions = {},
): Promise<Servers> {
  const handler = buildConnectHandler(library, options);
  const h1: Server = createServer((req, res) => {
    if (handler.matches(req)) handler(req, res);
    else res.writeHead(404, { 'content-length': '0' }).end();
  });
  await new Promise<void>((resolve) => h1.listen(0, '127.0.0.1', resolve));
  const h1Address = h1.address();
  const h1Port = typeof h1Address === 'object' && h1Address ? h1Address.port : 0;
  const h2 = buildConnectH2Server(library, options);
  const h2Port = await h2.listen(0);
  return {
    h1Url: `http://127.0.0.1:${h1Port}`,
    h2Url: `http://127.0.0.1:${h2Port}`,
    h1Handler: handler,
    async close() {
      handler.close();
      const closed = new Promise<void>((resolve) => h1.close(() => resolve()));
      h1.closeAllConnections();
      await Promise.all([closed, h2.close({ graceMs: 1_000 })]);
    },
  };
}

export type ProtocolName = 'connect-json' | 'connect-proto' | 'grpc' | 'grpc-web';

export interface Variant {
  /** e.g. `connect-json over HTTP/1.1`. */
  name: string;
  protocol: ProtocolName;
  httpVersion: '1.1' | '2';
  transport: Transport;
  client: Client<typeof LibraryService>;
}

const VARIANTS: [ProtocolName, '1.1' | '2'][] = [
  ['connect-json', '1.1'],
  ['connect-proto', '1.1'],
  ['grpc-web', '1.1'],
  ['connect-json', '2'],
  ['connect-proto', '2'],
  ['grpc', '2'],
  ['grpc-web', '2'],
];

/**
 * A client of one variant. Over HTTP/2 it gets its own session, so that a test can drop its
 * connection (`session.abort()`) without touching other clients.
 */
export function createVariant(
  servers: Servers,
  protocol: ProtocolName,
  httpVersion: '1.1' | '2',
): Variant & { session: Http2SessionManager | undefined } {
  const session = httpVersion === '2' ? new Http2SessionManager(servers.h2Url) : undefined;
  const base = session
    ? { httpVersion: '2' as const, baseUrl: servers.h2Url, sessionManager: session }
    : { httpVersion: '1.1' as const, baseUrl: servers.h1Url };
  let transport: Transport;
  if (protocol === 'grpc') {
    if (!session) throw new Error('gRPC needs HTTP/2');
    transport = createGrpcTransport({ baseUrl: servers.h2Url, sessionManager: session });
  } else if (protocol === 'grpc-web') {
    transport = createGrpcWebTransport(base);
  } else {
    transport = createConnectTransport({ ...base, useBinaryFormat: protocol === 'connect-proto' });
  }
  return {
    name: `${protocol} over HTTP/${httpVersion}`,
    protocol,
    httpVersion,
    transport,
    client: createClient(LibraryService, transport),
    session,
  };
}

/** Every protocol variant the issue lists, with the session managers to close after. */
export function createVariants(servers: Servers): { variants: Variant[]; close(): void } {
  const variants = VARIANTS.map(([protocol, httpVersion]) =>
    createVariant(servers, protocol, httpVersion),
  );
  return {
    variants,
    close() {
      for (const v of variants) v.session?.abort();
    },
  };
}

/** Polls a condition on the event loop; fails (never by timing) after many turns. */
export async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function iso(ts: Timestamp | undefined): string {
  if (ts === undefined) throw new Error('timestamp missing');
  return timestampDate(ts).toISOString();
}

export function bookFromProto(b: ProtoBook | undefined): Book {
  if (b === undefined) throw new Error('book missing');
  return {
    id: b.id,
    authorId: b.authorId,
    title: b.title,
    isbn: b.isbn,
    genre: Genre[b.genre].toLowerCase() as Book['genre'],
    tags: [...b.tags],
    priceCents: b.priceCents,
    pages: b.pages,
    publishedAt: iso(b.publishedAt),
    description: b.description,
  };
}

export function authorFromProto(a: ProtoAuthor | undefined): Author {
  if (a === undefined) throw new Error('author missing');
  return {
    id: a.id,
    name: a.name,
    country: a.country,
    bio: a.bio,
    bornOn: a.bornOn,
    createdAt: iso(a.createdAt),
  };
}

export function reviewFromProto(r: ProtoReview | undefined): Review {
  if (r === undefined) throw new Error('review missing');
  return {
    id: r.id,
    bookId: r.bookId,
    reviewer: r.reviewer,
    rating: r.rating,
    body: r.body,
    createdAt: iso(r.createdAt),
  };
}

/** What the server saw of one call, recorded by an interceptor: messages in and out, end. */
export interface RecordedCall {
  method: string;
  received: number;
  sent: number;
  /** undefined while running; 'ok', or the ConnectError code, once the server is done. */
  outcome: 'ok' | Code | undefined;
}

/** A server interceptor that records every call, so tests can wait for the server's end. */
export function createCallRecorder(): { interceptor: Interceptor; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const interceptor: Interceptor = (next) => async (req) => {
    const call: RecordedCall = {
      method: req.method.name,
      received: 0,
      sent: 0,
      outcome: undefined,
    };
    calls.push(call);
    const end = (err?: unknown) => {
      call.outcome ??= err === undefined ? 'ok' : ConnectError.from(err).code;
    };
    const input = req.stream
      ? {
          ...req,
          message: (async function* () {
            for await (const m of req.message) {
              call.received++;
              yield m;
            }
          })(),
        }
      : req;
    if (!req.stream) call.received = 1;
    try {
      const res = await next(input);
      if (!res.stream) {
        call.sent = 1;
        end();
        return res;
      }
      return {
        ...res,
        message: (async function* () {
          try {
            for await (const m of res.message) {
              call.sent++;
              yield m;
            }
            end();
          } catch (err) {
            end(err);
            throw err;
          } finally {
            end(new ConnectError('stopped by the server', Code.Canceled));
          }
        })(),
      };
    } catch (err) {
      end(err);
      throw err;
    }
  };
  return { interceptor, calls };
}

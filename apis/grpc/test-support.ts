// Shared by the grpc-js specs: a server on an ephemeral port with a real client, promise
// helpers for the four call modes, and decoders from messages back to domain values.

import type { EventEmitter } from 'node:events';
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { LibraryServiceClient } from '../../schemas/gen/pbjs/library_grpc_pb.ts';
import { google, library as pb } from '../../schemas/gen/pbjs/library_pb.js';
import {
  type Author,
  type Book,
  type ChatMessage,
  GENRES,
  type Genre,
  Library,
  type LibraryOptions,
  type Review,
} from '../domain/index.ts';
import { fromTimestamp } from './convert.ts';
import { STATUS_DETAILS_KEY } from './errors.ts';
import { buildGrpcServer, type GrpcServer, type GrpcServerOptions } from './server.ts';

export interface Harness {
  library: Library;
  server: GrpcServer;
  port: number;
  address: string;
  client: LibraryServiceClient;
  close(): Promise<void>;
}

/** Client options: a receive limit as high as the server's send limit (ExportCatalog). */
export const CLIENT_OPTIONS: Partial<grpc.ClientOptions> = {
  'grpc.max_receive_message_length': 32 * 1024 * 1024,
};

export async function startHarness(
  options: { library?: Library; libraryOptions?: LibraryOptions; server?: GrpcServerOptions } = {},
): Promise<Harness> {
  const library = options.library ?? Library.open({ scale: 'small', ...options.libraryOptions });
  const server = buildGrpcServer(library, { onInternalError: () => {}, ...options.server });
  const port = await server.listen('127.0.0.1', 0);
  const address = `127.0.0.1:${port}`;
  const client = new LibraryServiceClient(
    address,
    grpc.credentials.createInsecure(),
    CLIENT_OPTIONS,
  );
  return {
    library,
    server,
    port,
    address,
    client,
    async close() {
      client.close();
      await server.close({ graceMs: 0 });
      if (!options.library) library.close();
    },
  };
}

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: grpc.requestCallback<Res>,
) => grpc.ClientUnaryCall;

/** Calls a unary method of the client as a promise. */
export function call<Req, Res>(
  client: LibraryServiceClient,
  method: UnaryMethod<Req, Res>,
  request: Req,
  options: Partial<grpc.CallOptions> = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, new grpc.Metadata(), options, (err, res) =>
      err ? reject(err) : resolve(res as Res),
    );
  });
}

/** Every message of a server stream, or the stream's error. */
export function readAll<T>(stream: grpc.ClientReadableStream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const out: T[] = [];
    stream.on('data', (m: T) => out.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(out));
  });
}

/**
 * Resolves when the server has sent its response headers (it has subscribed); rejects if the
 * call fails first, so a call that never gets its headers fails the test instead of hanging it.
 */
export function headersOf(stream: EventEmitter): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMetadata = () => {
      stream.off('error', onError);
      resolve();
    };
    const onError = (err: Error) => {
      stream.off('metadata', onMetadata);
      reject(err);
    };
    stream.once('metadata', onMetadata);
    stream.once('error', onError);
  });
}

/** Awaits a failing call and returns its ServiceError after checking its code. */
export async function expectStatus(
  promise: Promise<unknown>,
  code: grpc.status,
): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (err) {
    const e = err as grpc.ServiceError;
    if (e.code !== code) {
      throw new Error(`expected ${grpc.status[code]}, got ${grpc.status[e.code]}: ${e.details}`, {
        cause: err,
      });
    }
    return e;
  }
  throw new Error(`expected ${grpc.status[code]}, the call succeeded`);
}

/** The google.rpc.BadRequest field violations of an error's grpc-status-details-bin. */
export function fieldViolationsOf(
  err: grpc.ServiceError,
): { field: string; description: string }[] {
  const [bin] = err.metadata.get(STATUS_DETAILS_KEY);
  if (!(bin instanceof Buffer)) return [];
  const status = google.rpc.Status.decode(bin);
  return status.details
    .filter((d) => d.type_url === 'type.googleapis.com/google.rpc.BadRequest')
    .flatMap((d) => google.rpc.BadRequest.decode(d.value ?? new Uint8Array()).fieldViolations)
    .map((v) => ({ field: v.field ?? '', description: v.description ?? '' }));
}

/** Polls until `predicate` holds; never asserts a duration, only gives up after a long bound. */
export async function waitFor(predicate: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function toGenre(value: number): Genre {
  const name = pb.v1.Genre[value]?.replace(/^GENRE_/, '').toLowerCase();
  const genre = GENRES.find((g) => g === name);
  if (!genre) throw new Error(`no domain genre for ${value}`);
  return genre;
}

function toTime(ts: google.protobuf.ITimestamp | null | undefined): string {
  const text = ts ? fromTimestamp(ts) : undefined;
  if (text === undefined) throw new Error('missing timestamp');
  return text;
}

export function toDomainBook(m: pb.v1.IBook | null | undefined): Book {
  if (!m) throw new Error('missing book');
  return {
    id: m.id ?? 0,
    authorId: m.authorId ?? 0,
    title: m.title ?? '',
    isbn: m.isbn ?? '',
    genre: toGenre(m.genre ?? 0),
    tags: [...(m.tags ?? [])],
    priceCents: m.priceCents ?? 0,
    pages: m.pages ?? 0,
    publishedAt: toTime(m.publishedAt),
    description: m.description ?? '',
  };
}

export function toDomainAuthor(m: pb.v1.IAuthor | null | undefined): Author {
  if (!m) throw new Error('missing author');
  return {
    id: m.id ?? 0,
    name: m.name ?? '',
    country: m.country ?? '',
    bio: m.bio ?? '',
    bornOn: m.bornOn ?? '',
    createdAt: toTime(m.createdAt),
  };
}

export function toDomainReview(m: pb.v1.IReview | null | undefined): Review {
  if (!m) throw new Error('missing review');
  return {
    id: m.id ?? 0,
    bookId: m.bookId ?? 0,
    reviewer: m.reviewer ?? '',
    rating: m.rating ?? 0,
    body: m.body ?? '',
    createdAt: toTime(m.createdAt),
  };
}

export function toDomainChat(m: pb.v1.IChatMessage | null | undefined): ChatMessage {
  if (!m) throw new Error('missing chat message');
  return {
    room: m.room ?? '',
    sender: m.sender ?? '',
    text: m.text ?? '',
    sentAt: toTime(m.sentAt),
  };
}

export interface RawResponse {
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
}

/** One gRPC length-prefixed message (uncompressed). */
export function frame(message: Uint8Array): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/**
 * A gRPC call over plain node:http2, for what grpc-js clients cannot do on purpose: send
 * without ever half-closing, or send the wrong content type.
 */
export function rawCall(
  address: string,
  path: string,
  body: Buffer,
  options: { headers?: http2.OutgoingHttpHeaders; halfClose?: boolean } = {},
): Promise<RawResponse> {
  const session = http2.connect(`http://${address}`);
  return new Promise<RawResponse>((resolve, reject) => {
    session.on('error', reject);
    const req = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...options.headers,
    });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    req.on('response', (h) => {
      headers = h;
    });
    req.on('trailers', (t) => {
      trailers = t;
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve({ headers, trailers, body: Buffer.concat(chunks) }));
    req.on('error', reject);
    req.write(body);
    if (options.halfClose ?? true) req.end();
  }).finally(() => session.close());
}

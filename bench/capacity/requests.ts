// Pre-encoded crud-read requests (GetBook by id) for every protocol variant, built once before
// a capacity run so that the load generator spends nothing on encoding: the server is measured.

import { create, toBinary, toJsonString } from '@bufbuild/protobuf';
import type { Endpoints, Variant } from '../../clients/contract.ts';
import { GetBookRequestSchema } from '../../schemas/gen/es/library/v1/library_pb.ts';
import { decodeGetBook } from './responses.ts';
import type { RequestSpec, Transport } from './spec.ts';

export type { RequestSpec, SuccessCheck, Transport } from './spec.ts';

export interface CrudReadRequest extends RequestSpec {
  variant: Variant;
  /** The book asked for. */
  id: number;
}

export const SERVICE_PATH = '/library.v1.LibraryService';

/** Every Book field of the GraphQL schema (scalars, as the RPC's Book message has them). */
export const GRAPHQL_BOOK_QUERY =
  'query GetBook($id: ID!) { book(id: $id) { id authorId title isbn genre tags priceCents pages publishedAt description } }';

const CONNECT_JSON_HEADERS = {
  'content-type': 'application/json',
  'connect-protocol-version': '1',
} as const;
const CONNECT_PROTO_HEADERS = {
  'content-type': 'application/proto',
  'connect-protocol-version': '1',
} as const;
const GRPC_WEB_HEADERS = {
  'content-type': 'application/grpc-web+proto',
  'x-grpc-web': '1',
} as const;
const GRPC_HEADERS = { 'content-type': 'application/grpc+proto', te: 'trailers' } as const;

/** The transport a variant's requests travel on. */
export function transportOf(variant: Variant): Transport {
  return variant === 'rest' ||
    variant === 'graphql' ||
    variant === 'connect-json-h1' ||
    variant === 'connect-proto-h1' ||
    variant === 'grpc-web-h1'
    ? 'h1'
    : 'h2';
}

/** The origin (`http://host:port`) that serves a variant. */
export function originOf(variant: Variant, endpoints: Endpoints): string {
  if (variant === 'grpc') return `http://${endpoints.grpc}`;
  return transportOf(variant) === 'h1' ? endpoints.http : endpoints.h2;
}

/** A protobuf message in the 5-byte gRPC / gRPC-Web envelope (uncompressed). */
export function frameMessage(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(5 + message.length);
  framed.writeUInt8(0, 0);
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, 5);
  return framed;
}

/** GetBook of one id, encoded the way a client of that variant sends it. */
export function encodeGetBook(variant: Variant, id: number): CrudReadRequest {
  const spec = encodeGetBookSpec(variant, id);
  spec.verify = (response) => {
    const outcome = decodeGetBook(variant, response);
    if (!outcome.ok) return `${variant} GetBook(${id}): HTTP ${outcome.status}, ${outcome.reason}`;
    return outcome.id === id ? undefined : `${variant} GetBook(${id}) answered book ${outcome.id}`;
  };
  return spec;
}

function encodeGetBookSpec(variant: Variant, id: number): CrudReadRequest {
  const message = create(GetBookRequestSchema, { id });
  const rpc = `${SERVICE_PATH}/GetBook`;
  switch (variant) {
    case 'rest':
      return {
        variant,
        id,
        method: 'GET',
        path: `/v1/books/${id}`,
        headers: { accept: 'application/json' },
        body: Buffer.alloc(0),
        check: 'http',
      };
    case 'graphql':
      return {
        variant,
        id,
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: Buffer.from(
          JSON.stringify({ query: GRAPHQL_BOOK_QUERY, variables: { id: String(id) } }),
        ),
        check: 'graphql',
      };
    case 'connect-json-h1':
    case 'connect-json-h2':
      return {
        variant,
        id,
        method: 'POST',
        path: rpc,
        headers: CONNECT_JSON_HEADERS,
        body: Buffer.from(toJsonString(GetBookRequestSchema, message)),
        check: 'http',
      };
    case 'connect-proto-h1':
    case 'connect-proto-h2':
      return {
        variant,
        id,
        method: 'POST',
        path: rpc,
        headers: CONNECT_PROTO_HEADERS,
        body: Buffer.from(toBinary(GetBookRequestSchema, message)),
        check: 'http',
      };
    case 'grpc-web-h1':
    case 'grpc-web-h2':
      return {
        variant,
        id,
        method: 'POST',
        path: rpc,
        headers: GRPC_WEB_HEADERS,
        body: frameMessage(toBinary(GetBookRequestSchema, message)),
        check: 'grpc-web',
      };
    case 'grpc':
    case 'grpc-connect':
      return {
        variant,
        id,
        method: 'POST',
        path: rpc,
        headers: GRPC_HEADERS,
        body: frameMessage(toBinary(GetBookRequestSchema, message)),
        check: 'grpc',
      };
  }
}

export interface CrudReadOptions {
  /** Books are 1..maxId (200 at scale small, 2,000 at the default scale). */
  maxId: number;
  /** How many requests to encode; the generator rotates through them. */
  count?: number | undefined;
  seed?: number | undefined;
}

/** Ids drawn uniformly from 1..maxId, the same list for the same seed on every variant. */
export function drawBookIds(options: CrudReadOptions): number[] {
  const count = options.count ?? 1_000;
  const next = createRandom(options.seed ?? 42);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push(1 + Math.floor(next() * options.maxId));
  return ids;
}

/** crud-read for one variant: GetBook over the seed's ids, each request encoded once. */
export function buildCrudReadRequests(
  variant: Variant,
  options: CrudReadOptions,
): CrudReadRequest[] {
  return drawBookIds(options).map((id) => encodeGetBook(variant, id));
}

/** mulberry32: tiny, fast and good enough to spread ids; not for anything secret. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// Pre-encoded requests for the capacity runs, built once before a run so that the load generator
// spends nothing on encoding: the server is measured. One encoder per scenario operation that
// has one (getBook, listBooks); how a call is written depends on the variant's protocol and
// codec only (clients/variants.ts), and each request carries a full check of its answer.

import {
  create,
  type DescMessage,
  type MessageInitShape,
  type MessageShape,
  toBinary,
  toJsonString,
} from '@bufbuild/protobuf';
import type { Variant } from '../../clients/contract.ts';
import { LIST_BOOKS } from '../../clients/graphql/documents.ts';
import { describeVariant, type Protocol } from '../../clients/variants.ts';
import {
  GetBookRequestSchema,
  ListBooksRequestSchema,
} from '../../schemas/gen/es/library/v1/library_pb.ts';
import { numberParam, type OperationName } from '../scenarios/vocabulary.ts';
import { decodeGetBook, decodeListBooks } from './responses.ts';
import type { RequestSpec, SuccessCheck } from './spec.ts';

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

/** How each protocol says a response failed (bench/capacity/spec.ts). */
const CHECK_OF: Readonly<Record<Protocol, SuccessCheck>> = {
  rest: 'http',
  graphql: 'graphql',
  connect: 'http',
  'grpc-web': 'grpc-web',
  grpc: 'grpc',
};

/** A protobuf message in the 5-byte gRPC / gRPC-Web envelope (uncompressed). */
export function frameMessage(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(5 + message.length);
  framed.writeUInt8(0, 0);
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, 5);
  return framed;
}

/** One unary call as each protocol writes it. */
interface UnaryCall<S extends DescMessage> {
  /** The RPC's method name (Connect, gRPC-Web, gRPC). */
  rpc: string;
  schema: S;
  message: MessageInitShape<S>;
  /** REST: a GET of this path (query included). */
  restPath: string;
  /** GraphQL: the body's query, variables and operation name. */
  graphql: { query: string; variables: Record<string, unknown>; operationName?: string };
}

/** A unary call encoded the way a client of the variant sends it. */
function encodeUnary<S extends DescMessage>(variant: Variant, call: UnaryCall<S>): RequestSpec {
  const { protocol, codec } = describeVariant(variant);
  const check = CHECK_OF[protocol];
  if (protocol === 'rest') {
    return {
      method: 'GET',
      path: call.restPath,
      headers: { accept: 'application/json' },
      body: Buffer.alloc(0),
      check,
    };
  }
  if (protocol === 'graphql') {
    return {
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: Buffer.from(JSON.stringify(call.graphql)),
      check,
    };
  }
  const message = create(call.schema, call.message) as MessageShape<S>;
  const payload =
    codec === 'json'
      ? Buffer.from(toJsonString(call.schema, message))
      : Buffer.from(toBinary(call.schema, message));
  const subtype = codec === 'json' ? 'json' : 'proto';
  const path = `${SERVICE_PATH}/${call.rpc}`;
  switch (protocol) {
    case 'connect':
      return {
        method: 'POST',
        path,
        headers: { 'content-type': `application/${subtype}`, 'connect-protocol-version': '1' },
        body: payload,
        check,
      };
    case 'grpc-web':
      return {
        method: 'POST',
        path,
        headers: { 'content-type': `application/grpc-web+${subtype}`, 'x-grpc-web': '1' },
        body: frameMessage(payload),
        check,
      };
    case 'grpc':
      return {
        method: 'POST',
        path,
        headers: { 'content-type': `application/grpc+${subtype}`, te: 'trailers' },
        body: frameMessage(payload),
        check,
      };
  }
}

/** GetBook of one id, encoded the way a client of that variant sends it. */
export function encodeGetBook(variant: Variant, id: number): CrudReadRequest {
  const spec = encodeUnary(variant, {
    rpc: 'GetBook',
    schema: GetBookRequestSchema,
    message: { id },
    restPath: `/v1/books/${id}`,
    graphql: { query: GRAPHQL_BOOK_QUERY, variables: { id: String(id) } },
  });
  return {
    variant,
    id,
    ...spec,
    verify: (response) => {
      const outcome = decodeGetBook(variant, response);
      if (!outcome.ok)
        return `${variant} GetBook(${id}): HTTP ${outcome.status}, ${outcome.reason}`;
      return outcome.id === id
        ? undefined
        : `${variant} GetBook(${id}) answered book ${outcome.id}`;
    },
  };
}

export interface ListBooksRequest extends RequestSpec {
  variant: Variant;
  pageSize: number;
}

/**
 * The first page of ListBooks, as the variant's client asks for it: REST
 * `GET /v1/books?page_size=N`, GraphQL the books connection query of clients/graphql, the RPCs
 * a ListBooksRequest with page_size alone. The answer must be the page of books 1..N in id
 * order (fewer when the catalog of `maxId` books is shorter), with a next page when there is
 * one: a GetBook answer decodes as a one-book ListBooksResponse, so counting is the check.
 */
export function encodeListBooks(
  variant: Variant,
  pageSize: number,
  maxId = Number.POSITIVE_INFINITY,
): ListBooksRequest {
  const spec = encodeUnary(variant, {
    rpc: 'ListBooks',
    schema: ListBooksRequestSchema,
    message: { pageSize },
    restPath: `/v1/books?page_size=${pageSize}`,
    // What graphql-request sends for LIST_BOOKS with `first` alone (undefined variables drop).
    graphql: {
      query: String(LIST_BOOKS),
      variables: { first: pageSize },
      operationName: 'ListBooks',
    },
  });
  const expected = Math.min(pageSize, maxId);
  return {
    variant,
    pageSize,
    ...spec,
    verify: (response) => {
      const what = `${variant} ListBooks(page size ${pageSize})`;
      const outcome = decodeListBooks(variant, response);
      if (!outcome.ok) return `${what}: HTTP ${outcome.status}, ${outcome.reason}`;
      const { ids, nextCursor } = outcome;
      if (ids.length !== expected) return `${what} answered ${ids.length} books, not ${expected}`;
      if (ids.some((id, i) => i > 0 && id <= (ids[i - 1] as number)))
        return `${what} answered books out of id order`;
      if (maxId > pageSize !== (nextCursor !== undefined))
        return `${what}: ${nextCursor === undefined ? 'no next page' : 'a next page after the last'}`;
      return undefined;
    },
  };
}

export interface CapacityRequestOptions {
  /** Books are 1..maxId (200 at scale small, 2,000 at the default scale). */
  maxId: number;
  /** How many requests to encode where they differ (ids); the generator rotates through them. */
  count?: number | undefined;
  seed?: number | undefined;
}

/** The operation and parameters of a scenario, what an encoder needs of it. */
export interface CapacityScenario {
  name: string;
  operation: OperationName;
  params: Record<string, unknown>;
}

type CapacityEncoder = (
  variant: Variant,
  scenario: CapacityScenario,
  options: CapacityRequestOptions,
) => RequestSpec[];

/** The operations a capacity run can send pre-encoded; a scenario of another one is refused. */
const CAPACITY_ENCODERS: Readonly<Partial<Record<OperationName, CapacityEncoder>>> = {
  getBook: (variant, _scenario, options) => buildCrudReadRequests(variant, options),
  // Every request asks for the same first page: no ids to draw.
  listBooks: (variant, scenario, options) => [
    encodeListBooks(variant, numberParam(scenario.params, 'pageSize', 20), options.maxId),
  ],
};

/** The operations with a capacity encoder, for the scenario loader's check. */
export const CAPACITY_OPERATIONS = Object.keys(CAPACITY_ENCODERS) as OperationName[];

/** The capacity requests of a scenario for one variant, each encoded once. */
export function buildCapacityRequests(
  variant: Variant,
  scenario: CapacityScenario,
  options: CapacityRequestOptions,
): RequestSpec[] {
  const encode = CAPACITY_ENCODERS[scenario.operation];
  if (!encode) {
    throw new Error(
      `scenario ${scenario.name}: operation ${scenario.operation} has no pre-encoded capacity requests (only ${CAPACITY_OPERATIONS.join(', ')})`,
    );
  }
  return encode(variant, scenario, options);
}

/**
 * Distinct requests per capacity run. autocannon builds every request of the list for each of
 * its 64 connections before it starts: 1,000 requests cost about 0.5 s of set-up per run
 * (outside the measured window, but wall time of every repetition), 128 about 0.05 s, and 128
 * ids drawn uniformly still spread the reads over the table.
 */
export const DEFAULT_REQUEST_COUNT = 128;

/** Ids drawn uniformly from 1..maxId, the same list for the same seed on every variant. */
export function drawBookIds(options: CapacityRequestOptions): number[] {
  const count = options.count ?? DEFAULT_REQUEST_COUNT;
  const next = createRandom(options.seed ?? 42);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push(1 + Math.floor(next() * options.maxId));
  return ids;
}

/** crud-read for one variant: GetBook over the seed's ids, each request encoded once. */
export function buildCrudReadRequests(
  variant: Variant,
  options: CapacityRequestOptions,
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

// Sends one pre-encoded request and decodes its answer completely: the check, before a run
// and in tests, that the bytes a generator will repeat are a request the server understands
// and answers with what the operation asks for.

import * as http from 'node:http';
import * as http2 from 'node:http2';
import {
  type DescMessage,
  fromBinary,
  fromJsonString,
  type MessageShape,
} from '@bufbuild/protobuf';
import type { Variant } from '../../clients/contract.ts';
import { describeVariant } from '../../clients/variants.ts';
import {
  GetBookResponseSchema,
  ListBooksResponseSchema,
} from '../../schemas/gen/es/library/v1/library_pb.ts';
import type { RawResponse, RequestSpec, Transport } from './spec.ts';

export type { RawResponse } from './spec.ts';

function flattenHeaders(
  headers: http.IncomingHttpHeaders | http2.IncomingHttpHeaders,
): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    flat[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return flat;
}

/** One request over a fresh connection; the whole response buffered. */
export function sendSpec(
  origin: string,
  spec: RequestSpec,
  transport: Transport,
  timeoutMs = 10_000,
): Promise<RawResponse> {
  return transport === 'h1' ? sendH1(origin, spec, timeoutMs) : sendH2(origin, spec, timeoutMs);
}

function sendH1(origin: string, spec: RequestSpec, timeoutMs: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${origin}${spec.path}`,
      {
        method: spec.method,
        headers: { ...spec.headers, 'content-length': String(spec.body.length) },
        agent: false,
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: flattenHeaders(response.headers),
            trailers: {},
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(spec.body);
  });
}

function sendH2(origin: string, spec: RequestSpec, timeoutMs: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(origin);
    const fail = (err: Error) => {
      session.destroy();
      reject(err);
    };
    session.on('error', fail);
    const timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const stream = session.request({
      ':method': spec.method,
      ':path': spec.path,
      ...spec.headers,
    });
    let status = 0;
    let headers: Record<string, string> = {};
    let trailers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      status = Number(h[':status']);
      headers = flattenHeaders(h);
    });
    stream.on('trailers', (t) => {
      trailers = flattenHeaders(t);
    });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', fail);
    stream.on('end', () => {
      clearTimeout(timer);
      session.close();
      resolve({ status, headers, trailers, body: Buffer.concat(chunks) });
    });
    stream.end(spec.body);
  });
}

/** The envelopes of a gRPC or gRPC-Web body, trailer frames (flag 0x80) apart. */
export function splitFrames(body: Buffer): { messages: Buffer[]; trailer: string | undefined } {
  const messages: Buffer[] = [];
  let trailer: string | undefined;
  let offset = 0;
  while (offset + 5 <= body.length) {
    const flags = body.readUInt8(offset);
    const length = body.readUInt32BE(offset + 1);
    const payload = body.subarray(offset + 5, offset + 5 + length);
    if (payload.length !== length) throw new Error('truncated gRPC frame');
    if ((flags & 0x80) !== 0) trailer = payload.toString('latin1');
    else messages.push(payload);
    offset += 5 + length;
  }
  if (offset !== body.length) throw new Error('trailing bytes after the last gRPC frame');
  return { messages, trailer };
}

/** grpc-status of a gRPC-Web trailer frame (`grpc-status:0\r\n...`). */
export function parseTrailerStatus(trailer: string): number | undefined {
  const match = /(?:^|\r\n)grpc-status:\s*(\d+)/i.exec(trailer);
  return match ? Number(match[1]) : undefined;
}

/** Why an answer is not the expected one: its HTTP status, grpc-status where there is one. */
export interface AnswerFailure {
  ok: false;
  status: number;
  grpcStatus?: number | undefined;
  reason: string;
}

/** What a unary answer said once decoded, whatever the variant. */
export type Answer<T> = ({ ok: true } & T) | AnswerFailure;

/**
 * How to read one operation's answer out of each protocol's body: the REST JSON document, the
 * GraphQL `data` member, the RPC's response message (Connect, gRPC-Web and gRPC alike). Each
 * returns undefined when the answer lacks what the operation asks for.
 */
export interface AnswerReader<T, S extends DescMessage> {
  rest(json: unknown): T | undefined;
  graphql(data: unknown): T | undefined;
  rpc: { schema: S; read(message: MessageShape<S>): T | undefined };
}

/**
 * Decodes a unary answer of a variant completely (body, HTTP status and protocol status): how
 * depends on the variant's protocol and codec only (clients/variants.ts).
 */
export function decodeAnswer<T, S extends DescMessage>(
  variant: Variant,
  response: RawResponse,
  reader: AnswerReader<T, S>,
): Answer<T> {
  const { status, body } = response;
  const fail = (reason: string, grpcStatus?: number): AnswerFailure => ({
    ok: false,
    status,
    grpcStatus,
    reason,
  });
  const found = (value: T | undefined, grpcStatus?: number): Answer<T> =>
    value === undefined
      ? fail('the answer lacks what was asked', grpcStatus)
      : { ok: true, ...value };
  if (status !== 200) return fail(body.toString());
  try {
    return decodeBody(variant, response, reader, fail, found);
  } catch (err) {
    return fail(`undecodable answer: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function decodeBody<T, S extends DescMessage>(
  variant: Variant,
  response: RawResponse,
  reader: AnswerReader<T, S>,
  fail: (reason: string, grpcStatus?: number) => AnswerFailure,
  found: (value: T | undefined, grpcStatus?: number) => Answer<T>,
): Answer<T> {
  const { body } = response;
  const { protocol, codec } = describeVariant(variant);
  const readMessage = (bytes: Buffer) =>
    codec === 'json'
      ? fromJsonString(reader.rpc.schema, bytes.toString())
      : fromBinary(reader.rpc.schema, bytes);
  switch (protocol) {
    case 'rest':
      return found(reader.rest(JSON.parse(body.toString())));
    case 'graphql': {
      const result = JSON.parse(body.toString()) as { data?: unknown; errors?: unknown[] };
      if (result.errors || !result.data) return fail(JSON.stringify(result.errors));
      return found(reader.graphql(result.data));
    }
    case 'connect':
      return found(reader.rpc.read(readMessage(body)));
    case 'grpc':
    case 'grpc-web': {
      const { messages, trailer } = splitFrames(body);
      const statusText =
        response.trailers['grpc-status'] ??
        response.headers['grpc-status'] ??
        (trailer === undefined ? undefined : String(parseTrailerStatus(trailer)));
      const grpcStatus = statusText === undefined ? undefined : Number(statusText);
      if (grpcStatus !== 0) return fail(`grpc-status ${statusText}`, grpcStatus);
      const [first] = messages;
      if (messages.length !== 1 || !first) return fail(`${messages.length} messages`, grpcStatus);
      return found(reader.rpc.read(readMessage(first)), grpcStatus);
    }
  }
}

interface WireBookRef {
  id: number | string;
  title: string;
}

/** What a GetBook answer said, whatever the variant. */
export type GetBookOutcome = Answer<{ id: number; title: string }>;

const GET_BOOK_READER: AnswerReader<{ id: number; title: string }, typeof GetBookResponseSchema> = {
  rest: (json) => {
    const book = json as WireBookRef;
    return { id: Number(book.id), title: book.title };
  },
  graphql: (data) => {
    const book = (data as { book?: WireBookRef | null }).book;
    return book ? { id: Number(book.id), title: book.title } : undefined;
  },
  rpc: {
    schema: GetBookResponseSchema,
    read: (message) =>
      message.book ? { id: message.book.id, title: message.book.title } : undefined,
  },
};

/** Decodes a GetBook response of a variant completely (body, status and protocol status). */
export function decodeGetBook(variant: Variant, response: RawResponse): GetBookOutcome {
  return decodeAnswer(variant, response, GET_BOOK_READER);
}

/** One page of ListBooks: the ids in the order served, and the cursor of the next page. */
export interface BookPage {
  ids: number[];
  nextCursor: string | undefined;
}

export type ListBooksOutcome = Answer<BookPage>;

const LIST_BOOKS_READER: AnswerReader<BookPage, typeof ListBooksResponseSchema> = {
  rest: (json) => {
    const page = json as { books?: WireBookRef[]; next_page_token?: string };
    if (!Array.isArray(page.books)) return undefined;
    return { ids: page.books.map((b) => Number(b.id)), nextCursor: page.next_page_token };
  },
  graphql: (data) => {
    const books = (
      data as {
        books?: {
          edges: { node: WireBookRef }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      }
    ).books;
    if (!books) return undefined;
    return {
      ids: books.edges.map((e) => Number(e.node.id)),
      nextCursor: books.pageInfo.hasNextPage ? (books.pageInfo.endCursor ?? undefined) : undefined,
    };
  },
  rpc: {
    schema: ListBooksResponseSchema,
    read: (message) => ({
      ids: message.books.map((b) => b.id),
      nextCursor: message.nextPageToken || undefined,
    }),
  },
};

/** Decodes a ListBooks response of a variant completely. */
export function decodeListBooks(variant: Variant, response: RawResponse): ListBooksOutcome {
  return decodeAnswer(variant, response, LIST_BOOKS_READER);
}

/**
 * Sends the first `count` specs once each and throws when an answer is not the expected one:
 * a capacity figure of requests the server refuses would measure its error path.
 */
export async function verifySpecs(
  origin: string,
  specs: readonly RequestSpec[],
  transport: Transport,
  count = 2,
): Promise<void> {
  for (const spec of specs.slice(0, count)) {
    const response = await sendSpec(origin, spec, transport);
    const problem =
      response.status < 200 || response.status > 299
        ? `${spec.method} ${spec.path}: HTTP ${response.status} ${response.body.toString().slice(0, 200)}`
        : spec.verify?.(response);
    if (problem) throw new Error(`request check failed before the run: ${problem}`);
  }
}

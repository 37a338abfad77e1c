// Sends one pre-encoded request and decodes its answer completely: the check, before a run
// and in tests, that the bytes a generator will repeat are a request the server understands.

import * as http from 'node:http';
import * as http2 from 'node:http2';
import { fromBinary, fromJsonString } from '@bufbuild/protobuf';
import type { Variant } from '../../clients/contract.ts';
import { GetBookResponseSchema } from '../../schemas/gen/es/library/v1/library_pb.ts';
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

/** What a GetBook answer said, whatever the variant. */
export type GetBookOutcome =
  | { ok: true; id: number; title: string }
  | { ok: false; status: number; grpcStatus?: number | undefined; reason: string };

/** Decodes a GetBook response of a variant completely (body, status and protocol status). */
export function decodeGetBook(variant: Variant, response: RawResponse): GetBookOutcome {
  const { status, body } = response;
  const fail = (reason: string, grpcStatus?: number): GetBookOutcome => ({
    ok: false,
    status,
    grpcStatus,
    reason,
  });
  switch (variant) {
    case 'rest': {
      if (status !== 200) return fail(body.toString());
      const book = JSON.parse(body.toString()) as { id: number; title: string };
      return { ok: true, id: book.id, title: book.title };
    }
    case 'graphql': {
      if (status !== 200) return fail(body.toString());
      const result = JSON.parse(body.toString()) as {
        data?: { book: { id: string; title: string } | null };
        errors?: unknown[];
      };
      if (result.errors || !result.data?.book) return fail(JSON.stringify(result.errors));
      return { ok: true, id: Number(result.data.book.id), title: result.data.book.title };
    }
    case 'connect-json-h1':
    case 'connect-json-h2':
    case 'connect-proto-h1':
    case 'connect-proto-h2': {
      if (status !== 200) return fail(body.toString());
      const message = variant.startsWith('connect-json')
        ? fromJsonString(GetBookResponseSchema, body.toString())
        : fromBinary(GetBookResponseSchema, body);
      if (!message.book) return fail('no book in the response');
      return { ok: true, id: message.book.id, title: message.book.title };
    }
    case 'grpc-web-h1':
    case 'grpc-web-h2':
    case 'grpc':
    case 'grpc-connect': {
      if (status !== 200) return fail(body.toString());
      const { messages, trailer } = splitFrames(body);
      const statusText =
        response.trailers['grpc-status'] ??
        response.headers['grpc-status'] ??
        (trailer === undefined ? undefined : String(parseTrailerStatus(trailer)));
      const grpcStatus = statusText === undefined ? undefined : Number(statusText);
      if (grpcStatus !== 0) return fail(`grpc-status ${statusText}`, grpcStatus);
      const [first] = messages;
      if (messages.length !== 1 || !first) return fail(`${messages.length} messages`, grpcStatus);
      const message = fromBinary(GetBookResponseSchema, first);
      if (!message.book) return fail('no book in the response', grpcStatus);
      return { ok: true, id: message.book.id, title: message.book.title };
    }
  }
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

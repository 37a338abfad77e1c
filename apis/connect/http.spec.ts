// The wire seen without a client library: malformed bodies, wrong content types, unknown
// methods, deadlines the server enforces by itself, gzip, and CORS for browser clients.

import assert from 'node:assert/strict';
import { request as h1Request } from 'node:http';
import * as http2 from 'node:http2';
import { after, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Library } from '../domain/index.ts';
import {
  buildConnectHandler,
  CORS_ALLOWED_HEADERS,
  CORS_ALLOWED_METHODS,
  CORS_EXPOSED_HEADERS,
} from './index.ts';
import { type Servers, startServers } from './test-support.ts';

const library = Library.open({ scale: 'small' });
const servers = await startServers(library);
const ORIGIN = 'https://app.example';
const restricted = await startServers(library, {
  cors: { allowedOrigins: [ORIGIN], allowCredentials: true },
});

after(async () => {
  await Promise.all([servers.close(), restricted.close()]);
  library.close();
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  trailers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function send(
  baseUrl: string,
  httpVersion: '1.1' | '2',
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Uint8Array | string,
): Promise<RawResponse> {
  return httpVersion === '1.1'
    ? sendH1(baseUrl, method, path, headers, body)
    : sendH2(baseUrl, method, path, headers, body);
}

function sendH1(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Uint8Array | string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = h1Request(
      `${baseUrl}${path}`,
      { method, headers: { ...headers, connection: 'close' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            trailers: res.trailers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function sendH2(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Uint8Array | string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(baseUrl);
    session.on('error', reject);
    const stream = session.request({ ':method': method, ':path': path, ...headers });
    let status = 0;
    let responseHeaders: RawResponse['headers'] = {};
    let trailers: RawResponse['trailers'] = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => {
      status = Number(h[':status']);
      responseHeaders = h;
    });
    stream.on('trailers', (t) => {
      trailers = t;
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      session.close();
      resolve({ status, headers: responseHeaders, trailers, body: Buffer.concat(chunks) });
    });
    stream.on('error', reject);
    stream.end(body);
  });
}

/** One length-prefixed message (gRPC, gRPC-Web and Connect streaming framing). */
function envelope(payload: Uint8Array, flags = 0): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(flags, 0);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

function parseEnvelopes(body: Buffer): { flags: number; payload: Buffer }[] {
  const out: { flags: number; payload: Buffer }[] = [];
  for (let at = 0; at + 5 <= body.length; ) {
    const length = body.readUInt32BE(at + 1);
    out.push({ flags: body.readUInt8(at), payload: body.subarray(at + 5, at + 5 + length) });
    at += 5 + length;
  }
  return out;
}

const RPC = '/library.v1.LibraryService';
const GARBAGE = new Uint8Array([0xff, 0xff, 0xff, 0xff]);

function eachHttpVersion(fn: (baseUrl: string, httpVersion: '1.1' | '2') => void): void {
  fn(servers.h1Url, '1.1');
  fn(servers.h2Url, '2');
}

describe('malformed requests', () => {
  eachHttpVersion((url, version) => {
    test(`HTTP/${version}: garbage protobuf bytes (Connect unary) are INTERNAL, bad JSON INVALID_ARGUMENT`, async () => {
      // connect-node reports a binary decoding failure as internal (HTTP 500), a JSON one as
      // invalid_argument (HTTP 400); grpc-js also answers undecodable protobuf with INTERNAL.
      const proto = await send(
        url,
        version,
        'POST',
        `${RPC}/GetBook`,
        { 'content-type': 'application/proto' },
        GARBAGE,
      );
      assert.equal(proto.status, 500);
      assert.deepEqual(JSON.parse(proto.body.toString()), {
        code: 'internal',
        message: 'parse binary: premature EOF',
      });
      const json = await send(
        url,
        version,
        'POST',
        `${RPC}/GetBook`,
        { 'content-type': 'application/json' },
        '{"id": ',
      );
      assert.equal(json.status, 400);
      assert.equal(JSON.parse(json.body.toString()).code, 'invalid_argument');
      const wrongType = await send(
        url,
        version,
        'POST',
        `${RPC}/GetBook`,
        { 'content-type': 'application/json' },
        '{"id": "one"}',
      );
      assert.equal(wrongType.status, 400);
      assert.equal(JSON.parse(wrongType.body.toString()).code, 'invalid_argument');
    });

    test(`HTTP/${version}: a wrong content type is 415, an unknown method 404`, async () => {
      const plain = await send(
        url,
        version,
        'POST',
        `${RPC}/GetBook`,
        { 'content-type': 'text/plain' },
        '{}',
      );
      assert.equal(plain.status, 415);
      const unknown = await send(
        url,
        version,
        'POST',
        `${RPC}/NoSuchMethod`,
        { 'content-type': 'application/json' },
        '{}',
      );
      assert.equal(unknown.status, 404);
      const get = await send(url, version, 'GET', `${RPC}/GetBook`, {});
      assert.equal(get.status, 405);
    });
  });

  test('gRPC is not served over HTTP/1.1: 415', async () => {
    const res = await send(
      servers.h1Url,
      '1.1',
      'POST',
      `${RPC}/GetBook`,
      { 'content-type': 'application/grpc' },
      envelope(new Uint8Array()),
    );
    assert.equal(res.status, 415);
  });

  test('gRPC over HTTP/2: garbage in a frame is INTERNAL, a truncated frame INVALID_ARGUMENT', async () => {
    const headers = { 'content-type': 'application/grpc', te: 'trailers' };
    const garbage = await send(
      servers.h2Url,
      '2',
      'POST',
      `${RPC}/GetBook`,
      headers,
      envelope(GARBAGE),
    );
    assert.equal(garbage.status, 200);
    assert.equal(garbage.trailers['grpc-status'], '13');
    const truncated = await send(
      servers.h2Url,
      '2',
      'POST',
      `${RPC}/GetBook`,
      headers,
      new Uint8Array([0, 0, 0, 0, 9, 1]),
    );
    assert.equal(truncated.trailers['grpc-status'], '3');
    const unknown = await send(
      servers.h2Url,
      '2',
      'POST',
      `${RPC}/NoSuchMethod`,
      headers,
      envelope(new Uint8Array()),
    );
    assert.equal(unknown.status, 404);
  });

  test('gRPC-Web: garbage in a frame is INTERNAL, in the trailer frame', async () => {
    const res = await send(
      servers.h1Url,
      '1.1',
      'POST',
      `${RPC}/GetBook`,
      { 'content-type': 'application/grpc-web+proto' },
      envelope(GARBAGE),
    );
    assert.equal(res.status, 200);
    const [trailer] = parseEnvelopes(res.body);
    assert.equal(trailer?.flags, 0x80);
    assert.match(trailer?.payload.toString() ?? '', /grpc-status: 13/);
  });
});

describe('deadlines enforced by the server alone', () => {
  test('Connect streaming: connect-timeout-ms ends WatchReviews with deadline_exceeded', async () => {
    for (const [url, version] of [
      [servers.h1Url, '1.1'],
      [servers.h2Url, '2'],
    ] as const) {
      const res = await send(
        url,
        version,
        'POST',
        `${RPC}/WatchReviews`,
        { 'content-type': 'application/connect+json', 'connect-timeout-ms': '100' },
        envelope(Buffer.from('{}')),
      );
      assert.equal(res.status, 200);
      const frames = parseEnvelopes(res.body);
      assert.equal(frames.length, 1);
      assert.equal(frames[0]?.flags, 0x02);
      assert.equal(JSON.parse(frames[0]?.payload.toString() ?? '').error.code, 'deadline_exceeded');
    }
    assert.equal(library.events.subscriberCount(), 0);
  });

  test('gRPC: grpc-timeout ends WatchReviews with DEADLINE_EXCEEDED (4)', async () => {
    const res = await send(
      servers.h2Url,
      '2',
      'POST',
      `${RPC}/WatchReviews`,
      { 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '100m' },
      envelope(new Uint8Array()),
    );
    assert.equal(res.trailers['grpc-status'] ?? res.headers['grpc-status'], '4');
    assert.equal(library.events.subscriberCount(), 0);
  });
});

describe('compression', () => {
  test('a client accepting gzip gets the catalog gzipped', async () => {
    const res = await send(
      servers.h1Url,
      '1.1',
      'POST',
      `${RPC}/ExportCatalog`,
      { 'content-type': 'application/json', 'accept-encoding': 'gzip' },
      '{}',
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], 'gzip');
    const books = JSON.parse(gunzipSync(res.body).toString()).books;
    assert.equal(books.length, library.exportCatalog().length);
  });
});

describe('CORS', () => {
  const preflightHeaders = {
    origin: ORIGIN,
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'content-type,connect-protocol-version,x-grpc-web',
  };

  function eachServer(fn: (s: Servers, version: '1.1' | '2', url: string) => void) {
    fn(servers, '1.1', servers.h1Url);
    fn(servers, '2', servers.h2Url);
  }

  eachServer((_s, version, url) => {
    test(`HTTP/${version}: a preflight is answered with the methods and headers Connect and gRPC-Web need`, async () => {
      const res = await send(url, version, 'OPTIONS', `${RPC}/GetBook`, preflightHeaders);
      assert.equal(res.status, 204);
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.equal(res.headers['access-control-allow-methods'], CORS_ALLOWED_METHODS);
      assert.equal(res.headers['access-control-allow-headers'], CORS_ALLOWED_HEADERS);
      assert.equal(res.headers['access-control-max-age'], '7200');
      assert.equal(res.headers['access-control-allow-credentials'], undefined);
      const allowed = CORS_ALLOWED_HEADERS.toLowerCase();
      for (const h of ['content-type', 'connect-protocol-version', 'connect-timeout-ms']) {
        assert.ok(allowed.includes(h), h);
      }
      for (const h of ['x-grpc-web', 'x-user-agent', 'grpc-timeout'])
        assert.ok(allowed.includes(h), h);
    });

    test(`HTTP/${version}: a cross-origin call exposes the gRPC-Web status headers`, async () => {
      const res = await send(
        url,
        version,
        'POST',
        `${RPC}/GetBook`,
        { origin: ORIGIN, 'content-type': 'application/grpc-web+proto' },
        envelope(new Uint8Array([0x08, 0x01])),
      );
      assert.equal(res.status, 200);
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.equal(res.headers['access-control-expose-headers'], CORS_EXPOSED_HEADERS);
      const exposed = CORS_EXPOSED_HEADERS.toLowerCase();
      for (const h of ['grpc-status', 'grpc-message', 'grpc-status-details-bin']) {
        assert.ok(exposed.includes(h), h);
      }
    });
  });

  test('a request without Origin gets no CORS headers', async () => {
    const res = await send(
      servers.h1Url,
      '1.1',
      'POST',
      `${RPC}/GetBook`,
      { 'content-type': 'application/json' },
      '{"id":1}',
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });

  test('with credentials the allowed origin is echoed, never a wildcard', async () => {
    const pre = await send(restricted.h1Url, '1.1', 'OPTIONS', `${RPC}/GetBook`, preflightHeaders);
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], ORIGIN);
    assert.equal(pre.headers['access-control-allow-credentials'], 'true');
    assert.equal(pre.headers.vary, 'origin');
    const call = await send(
      restricted.h1Url,
      '1.1',
      'POST',
      `${RPC}/GetBook`,
      { origin: ORIGIN, 'content-type': 'application/json' },
      '{"id":1}',
    );
    assert.equal(call.status, 200);
    assert.equal(call.headers['access-control-allow-origin'], ORIGIN);
    assert.equal(call.headers['access-control-allow-credentials'], 'true');
  });

  test('another origin is refused at preflight and gets no CORS headers on a call', async () => {
    const headers = { ...preflightHeaders, origin: 'https://evil.example' };
    const pre = await send(restricted.h1Url, '1.1', 'OPTIONS', `${RPC}/GetBook`, headers);
    assert.equal(pre.status, 403);
    assert.equal(pre.headers['access-control-allow-origin'], undefined);
    const call = await send(
      restricted.h2Url,
      '2',
      'POST',
      `${RPC}/GetBook`,
      { origin: 'https://evil.example', 'content-type': 'application/json' },
      '{"id":1}',
    );
    assert.equal(call.headers['access-control-allow-origin'], undefined);
    assert.equal(call.headers['access-control-allow-credentials'], undefined);
  });

  test('credentials with a wildcard origin is refused as a configuration error', () => {
    assert.throws(
      () => buildConnectHandler(library, { cors: { allowedOrigins: '*', allowCredentials: true } }),
      /allowCredentials needs an explicit list/,
    );
  });
});

// The HTTP/1.1 reader on hand-made traffic: every byte lands in the layer it belongs to, and
// cutting the traffic into any chunks changes nothing.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WireWindow } from './analyzer.ts';
import { analyzeTraffic, envelope, layerSum, type Traffic } from './test-support.ts';
import type { MessageEvent, WireEvent } from './types.ts';

function messages(window: WireWindow, dir?: 'request' | 'response'): MessageEvent[] {
  return window.events.filter(
    (e): e is MessageEvent => e.kind === 'message' && (dir === undefined || e.dir === dir),
  );
}

function kinds(window: WireWindow): string[] {
  return window.events.map((e: WireEvent) => `${e.dir} ${e.kind}`);
}

/** The same traffic whole, byte by byte and in 7-byte pieces gives the same account. */
function analyzeEverySplit(traffic: Traffic): WireWindow {
  const whole = analyzeTraffic(traffic);
  for (const split of [1, 7]) {
    const cut = analyzeTraffic(traffic, split);
    assert.deepEqual(cut.request, whole.request, `request split ${split}`);
    assert.deepEqual(cut.response, whole.response, `response split ${split}`);
    assert.deepEqual(
      messages(cut).map((m) => m.payload.toString('hex')),
      messages(whole).map((m) => m.payload.toString('hex')),
    );
  }
  assert.deepEqual(whole.errors, []);
  for (const dir of ['request', 'response'] as const) {
    assert.equal(whole[dir].unparsed, 0, dir);
    assert.equal(layerSum(whole, dir), whole[dir].raw, dir);
  }
  return whole;
}

describe('HTTP/1.1 reader', () => {
  it('splits a keep-alive sequence of content-length messages into head and body', () => {
    const req1 = 'GET /v1/books/1 HTTP/1.1\r\nhost: x\r\n\r\n';
    const res1Head =
      'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n';
    const req2Head =
      'POST /v1/books HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 9\r\n\r\n';
    const res2Head = 'HTTP/1.1 204 No Content\r\n\r\n';
    const window = analyzeEverySplit([
      ['request', req1],
      ['response', `${res1Head}{"id":123}\n`],
      ['request', `${req2Head}{"a":[1]}`],
      ['response', res2Head],
    ]);
    assert.deepEqual(window.request.layers, {
      headers: req1.length + req2Head.length,
      trailers: 0,
      framing: 0,
      body: 9,
      connection: 0,
    });
    assert.deepEqual(window.response.layers, {
      headers: res1Head.length + res2Head.length,
      trailers: 0,
      framing: 0,
      body: 11,
      connection: 0,
    });
    assert.equal(window.httpRequests, 2);
    assert.equal(window.request.messages, 1);
    assert.equal(window.response.messages, 1);
    assert.deepEqual(
      messages(window).map((m) => [m.dir, m.path, m.payload.toString()]),
      [
        ['response', '/v1/books/1', '{"id":123}\n'],
        ['request', '/v1/books', '{"a":[1]}'],
      ],
    );
  });

  it('counts chunk-size lines and CRLFs as framing and trailer fields as trailers', () => {
    const head =
      'HTTP/1.1 200 OK\r\ncontent-type: application/x-ndjson\r\ntransfer-encoding: chunked\r\n\r\n';
    const lines = '{"a":1}\n{"b":2}\n';
    // The second chunk starts inside the second line, with a chunk extension.
    const body = `8\r\n${lines.slice(0, 8)}\r\n8;ext=1\r\n${lines.slice(8)}\r\n0\r\nx-count: 2\r\n\r\n`;
    const window = analyzeEverySplit([
      ['request', 'GET /v1/catalog HTTP/1.1\r\n\r\n'],
      ['response', head + body],
    ]);
    const chunkFraming = '8\r\n\r\n8;ext=1\r\n\r\n0\r\n\r\n'.length;
    assert.deepEqual(window.response.layers, {
      headers: head.length,
      trailers: 'x-count: 2\r\n'.length,
      // NDJSON newlines are framing too.
      framing: chunkFraming + 2,
      body: lines.length - 2,
      connection: 0,
    });
    const chunks = window.events.filter((e) => e.kind === 'http1-chunk');
    assert.deepEqual(
      chunks.map((c) => [c.offset - head.length, c.length]),
      [
        [0, '8\r\n'.length + 8 + 2],
        [13, '8;ext=1\r\n'.length + 8 + 2],
      ],
    );
    const last = window.events.find((e) => e.kind === 'http1-last-chunk');
    assert.deepEqual(last?.trailers, [['x-count', '2']]);
    assert.equal(last?.length, '0\r\nx-count: 2\r\n\r\n'.length);
    assert.deepEqual(
      messages(window, 'response').map((m) => m.payload.toString()),
      ['{"a":1}', '{"b":2}'],
    );
  });

  it('gives HEAD, 204 and 304 responses no body and skips 100 Continue', () => {
    const window = analyzeEverySplit([
      ['request', 'HEAD /a HTTP/1.1\r\n\r\n'],
      ['response', 'HTTP/1.1 200 OK\r\ncontent-length: 500\r\n\r\n'],
      ['request', 'POST /b HTTP/1.1\r\ncontent-length: 2\r\nexpect: 100-continue\r\n\r\n'],
      ['response', 'HTTP/1.1 100 Continue\r\n\r\n'],
      ['request', 'hi'],
      ['response', 'HTTP/1.1 304 Not Modified\r\ncontent-length: 9\r\n\r\n'],
    ]);
    assert.equal(window.response.layers.body, 0);
    assert.equal(window.request.layers.body, 2);
    assert.equal(window.httpRequests, 2);
    assert.deepEqual(
      window.events.filter((e) => e.kind === 'http1-head').map((e) => e.startLine),
      [
        'HEAD /a HTTP/1.1',
        'HTTP/1.1 200 OK',
        'POST /b HTTP/1.1',
        'HTTP/1.1 100 Continue',
        'HTTP/1.1 304 Not Modified',
      ],
    );
  });

  it('reads a body without length until the connection closes', () => {
    const window = analyzeEverySplit([
      ['request', 'GET / HTTP/1.1\r\n\r\n'],
      ['response', 'HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nabc'],
      ['response', 'def'],
    ]);
    assert.equal(window.response.layers.body, 6);
    const body = window.events.find((e) => e.kind === 'http1-body');
    assert.equal(body?.length, 6);
  });

  it('splits SSE into data values (body) and everything else (framing)', () => {
    const head =
      'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n';
    const events =
      ': subscribed\n\nevent: review\nid: 7\ndata: {"id":7}\n\n: keep-alive\n\ndata: a\r\ndata: b\r\n\r\n';
    const chunk = `${events.length.toString(16)}\r\n${events}\r\n0\r\n\r\n`;
    const window = analyzeEverySplit([
      ['request', 'GET /v1/reviews/events HTTP/1.1\r\n\r\n'],
      ['response', head + chunk],
    ]);
    const dataValues = '{"id":7}ab'.length;
    assert.equal(window.response.layers.body, dataValues);
    assert.equal(window.response.layers.framing, chunk.length - dataValues);
    assert.deepEqual(
      messages(window, 'response').map((m) => [m.event, m.payload.toString()]),
      [
        ['review', '{"id":7}'],
        [undefined, 'a\nb'],
      ],
    );
  });

  it('reads Connect streaming envelopes with the end-of-stream message as trailers', () => {
    const head =
      'HTTP/1.1 200 OK\r\ncontent-type: application/connect+json\r\ntransfer-encoding: chunked\r\n\r\n';
    const stream = Buffer.concat([
      envelope(0, '{"books":[]}'),
      envelope(0, '{"books":[1]}'),
      envelope(2, '{}'),
    ]);
    const chunked = Buffer.concat([
      Buffer.from(`${stream.length.toString(16)}\r\n`),
      stream,
      Buffer.from('\r\n0\r\n\r\n'),
    ]);
    const window = analyzeEverySplit([
      [
        'request',
        'POST /library.v1.LibraryService/StreamCatalog HTTP/1.1\r\ncontent-type: application/connect+json\r\ncontent-length: 7\r\n\r\n',
      ],
      ['request', envelope(0, '{}')],
      ['response', Buffer.concat([Buffer.from(head), chunked])],
    ]);
    assert.equal(window.request.layers.framing, 5);
    assert.equal(window.request.layers.body, 2);
    assert.equal(window.response.layers.body, 12 + 13);
    assert.equal(window.response.layers.trailers, 2);
    assert.equal(window.response.layers.framing, 15 + chunked.length - stream.length);
    assert.equal(window.response.messages, 2);
    const end = messages(window, 'response').at(-1);
    assert.equal(end?.end, true);
    assert.equal(end?.flags, 2);
  });

  it('reads gRPC-Web trailer frames (flag 0x80) as trailers', () => {
    const trailerText = 'grpc-status: 0\r\ngrpc-message: OK\r\n';
    const body = Buffer.concat([envelope(0, Buffer.from([8, 1])), envelope(0x80, trailerText)]);
    const window = analyzeEverySplit([
      [
        'request',
        `POST /s/M HTTP/1.1\r\ncontent-type: application/grpc-web+proto\r\ncontent-length: 7\r\n\r\n`,
      ],
      ['request', envelope(0, Buffer.from([8, 1]))],
      [
        'response',
        `HTTP/1.1 200 OK\r\ncontent-type: application/grpc-web+proto\r\ncontent-length: ${body.length}\r\n\r\n`,
      ],
      ['response', body],
    ]);
    assert.equal(window.response.layers.trailers, trailerText.length);
    assert.equal(window.response.layers.framing, 10);
    assert.equal(window.response.layers.body, 2);
    assert.deepEqual(
      messages(window, 'response').map((m) => [m.flags, m.end]),
      [
        [0, false],
        [0x80, true],
      ],
    );
  });

  it('follows a WebSocket upgrade: frame headers and mask keys are framing, control frames connection', () => {
    const request =
      'GET /v1/chat/lobby HTTP/1.1\r\nconnection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\n\r\n';
    const response =
      'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n';
    const text = Buffer.from('{"text":"hi"}');
    const mask = Buffer.from([1, 2, 3, 4]);
    const masked = Buffer.from(text.map((b, i) => b ^ (mask[i % 4] as number)));
    const clientFrame = Buffer.concat([Buffer.from([0x81, 0x80 | text.length]), mask, masked]);
    const serverFrame = Buffer.concat([Buffer.from([0x81, text.length]), text]);
    // A 200-byte message in two fragments with a 16-bit extended length on the first.
    const big = Buffer.alloc(200, 0x61);
    const fragment1 = Buffer.concat([Buffer.from([0x01, 126, 0, 150]), big.subarray(0, 150)]);
    const fragment2 = Buffer.concat([Buffer.from([0x80, 50]), big.subarray(150)]);
    const closeFromClient = Buffer.concat([
      Buffer.from([0x88, 0x82]),
      mask,
      Buffer.from([3 ^ 1, 232 ^ 2]),
    ]);
    const closeFromServer = Buffer.from([0x88, 0x02, 3, 232]);
    const window = analyzeEverySplit([
      ['request', request],
      // The first server frame arrives in the same chunk as the 101.
      ['response', Buffer.concat([Buffer.from(response), serverFrame])],
      ['request', clientFrame],
      ['response', Buffer.concat([fragment1, fragment2])],
      ['request', closeFromClient],
      ['response', closeFromServer],
    ]);
    assert.deepEqual(window.request.layers, {
      headers: request.length,
      trailers: 0,
      framing: 6,
      body: text.length,
      connection: 8,
    });
    assert.deepEqual(window.response.layers, {
      headers: response.length,
      trailers: 0,
      framing: 2 + 4 + 2,
      body: text.length + 200,
      connection: 4,
    });
    const frames = window.events.filter((e) => e.kind === 'ws-frame');
    assert.deepEqual(
      frames.map((f) => [f.dir, f.opcodeName, f.fin, f.maskKey, f.payloadLength]),
      [
        ['response', 'text', true, undefined, 13],
        ['request', 'text', true, '01020304', 13],
        ['response', 'text', false, undefined, 150],
        ['response', 'continuation', true, undefined, 50],
        ['request', 'close', true, '01020304', 2],
        ['response', 'close', true, undefined, 2],
      ],
    );
    assert.deepEqual(
      messages(window).map((m) => [m.dir, m.payload.toString()]),
      [
        ['response', text.toString()],
        ['request', text.toString()],
        ['response', big.toString()],
      ],
    );
    assert.deepEqual(kinds(window).slice(0, 2), ['request http1-head', 'response http1-head']);
  });

  it('reports garbage instead of guessing, and still accounts for every byte', () => {
    const window = analyzeTraffic([
      ['request', 'GET / HTTP/1.1\r\n\r\n'],
      ['response', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhello'],
    ]);
    assert.equal(window.errors.length, 1);
    assert.match(window.errors[0] as string, /bad chunk-size line/);
    assert.equal(layerSum(window, 'response'), window.response.raw);
  });
});

// The HTTP/2 reader on hand-made frames: every frame type, padding, priority fields, header
// blocks over CONTINUATION decoded in order, trailers, and the connection layer.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WireWindow } from './analyzer.ts';
import { HTTP2_PREFACE } from './http2.ts';
import {
  analyzeTraffic,
  createHpackEncoder,
  envelope,
  h2Frame,
  layerSum,
  type Traffic,
} from './test-support.ts';
import type { Http2FrameEvent, MessageEvent } from './types.ts';

const DATA = 0;
const HEADERS = 1;
const PRIORITY = 2;
const RST_STREAM = 3;
const SETTINGS = 4;
const PUSH_PROMISE = 5;
const PING = 6;
const GOAWAY = 7;
const WINDOW_UPDATE = 8;
const CONTINUATION = 9;

function frames(window: WireWindow): Http2FrameEvent[] {
  return window.events.filter((e): e is Http2FrameEvent => e.kind === 'h2-frame');
}

function messages(window: WireWindow): MessageEvent[] {
  return window.events.filter((e): e is MessageEvent => e.kind === 'message');
}

function u32(...values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => {
    out.writeUInt32BE(v, i * 4);
  });
  return out;
}

function settings(...pairs: [number, number][]): Buffer {
  const out = Buffer.alloc(pairs.length * 6);
  pairs.forEach(([id, value], i) => {
    out.writeUInt16BE(id, i * 6);
    out.writeUInt32BE(value, i * 6 + 2);
  });
  return out;
}

/** A gRPC call with everything HTTP/2 allows around it. */
function buildGrpcCall() {
  const requestEncoder = createHpackEncoder();
  const responseEncoder = createHpackEncoder();
  const requestBlock = requestEncoder([
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', '/library.v1.LibraryService/GetBook'],
    [':authority', 'localhost'],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
  ]);
  // The block split over HEADERS (padded, with priority) and two CONTINUATIONs.
  const part1 = requestBlock.subarray(0, 10);
  const part2 = requestBlock.subarray(10, 20);
  const part3 = requestBlock.subarray(20);
  const padLength = 3;
  const headersPayload = Buffer.concat([
    Buffer.from([padLength]),
    u32(0),
    Buffer.from([15]),
    part1,
    Buffer.alloc(padLength),
  ]);
  const message = Buffer.from([8, 1]);
  const dataPad = 4;
  const requestData = Buffer.concat([
    Buffer.from([dataPad]),
    envelope(0, message),
    Buffer.alloc(dataPad),
  ]);
  const responseHeaders = responseEncoder([
    [':status', '200'],
    ['content-type', 'application/grpc+proto'],
  ]);
  const responseMessage = Buffer.from('0123456789');
  const responseEnvelope = envelope(0, responseMessage);
  const trailers = responseEncoder([
    ['grpc-status', '0'],
    ['grpc-message', 'OK'],
  ]);
  const client: Buffer[] = [
    HTTP2_PREFACE,
    h2Frame(SETTINGS, 0, 0, settings([4, 65535], [1, 4096])),
    h2Frame(PRIORITY, 0, 3, Buffer.concat([u32(0), Buffer.from([200])])),
    h2Frame(HEADERS, 0x8 | 0x20, 1, headersPayload),
    h2Frame(CONTINUATION, 0, 1, part2),
    h2Frame(CONTINUATION, 0x4, 1, part3),
    h2Frame(DATA, 0x8 | 0x1, 1, requestData),
    h2Frame(SETTINGS, 0x1, 0, Buffer.alloc(0)),
    h2Frame(PING, 0, 0, Buffer.from('pingpong')),
  ];
  const server: Buffer[] = [
    h2Frame(SETTINGS, 0, 0, settings([3, 100])),
    h2Frame(SETTINGS, 0x1, 0, Buffer.alloc(0)),
    h2Frame(WINDOW_UPDATE, 0, 0, u32(5)),
    h2Frame(HEADERS, 0x4, 1, responseHeaders),
    // The envelope split over two DATA frames.
    h2Frame(DATA, 0, 1, responseEnvelope.subarray(0, 3)),
    h2Frame(DATA, 0, 1, responseEnvelope.subarray(3)),
    h2Frame(HEADERS, 0x4 | 0x1, 1, trailers),
    h2Frame(PING, 0x1, 0, Buffer.from('pingpong')),
    h2Frame(GOAWAY, 0, 0, Buffer.concat([u32(1, 0), Buffer.from('bye')])),
  ];
  return {
    client,
    server,
    sizes: {
      requestBlock: requestBlock.length,
      responseHeaders: responseHeaders.length,
      trailers: trailers.length,
      responseEnvelope: responseEnvelope.length,
    },
  };
}

function analyzeEverySplit(traffic: Traffic): WireWindow {
  const whole = analyzeTraffic(traffic);
  for (const split of [1, 5, 64]) {
    const cut = analyzeTraffic(traffic, split);
    assert.deepEqual(cut.request, whole.request, `split ${split}`);
    assert.deepEqual(cut.response, whole.response, `split ${split}`);
    assert.deepEqual(
      frames(cut).map((f) => [f.dir, f.typeName, f.length, f.block?.fields]),
      frames(whole).map((f) => [f.dir, f.typeName, f.length, f.block?.fields]),
    );
  }
  assert.deepEqual(whole.errors, []);
  for (const dir of ['request', 'response'] as const) {
    assert.equal(whole[dir].unparsed, 0);
    assert.equal(layerSum(whole, dir), whole[dir].raw);
  }
  return whole;
}

describe('HTTP/2 reader', () => {
  it('attributes every frame of a gRPC call to its layer', () => {
    const { client, server, sizes } = buildGrpcCall();
    const window = analyzeEverySplit([
      ['request', Buffer.concat(client.slice(0, 7))],
      ['response', Buffer.concat(server.slice(0, 3))],
      ['request', Buffer.concat(client.slice(7))],
      ['response', Buffer.concat(server.slice(3))],
    ]);
    assert.deepEqual(window.request.layers, {
      headers: sizes.requestBlock,
      trailers: 0,
      // 3 header-block frame headers + pad length + priority + padding; DATA: header, pad
      // length, padding; the envelope.
      framing: 9 * 3 + 1 + 5 + 3 + 9 + 1 + 4 + 5,
      body: 2,
      // preface, SETTINGS (2 params), PRIORITY, SETTINGS ACK, PING
      connection: 24 + 9 + 12 + 9 + 5 + 9 + 9 + 8,
    });
    assert.deepEqual(window.response.layers, {
      headers: sizes.responseHeaders,
      trailers: sizes.trailers,
      framing: 9 * 4 + 5,
      body: 10,
      connection: 9 + 6 + 9 + 9 + 4 + 9 + 8 + 9 + 11,
    });
    assert.equal(window.streams, 1);
    assert.equal(window.request.messages, 1);
    assert.equal(window.response.messages, 1);
    assert.equal(window.request.headersDecoded > sizes.requestBlock, true);

    const list = frames(window);
    const headers = list.find((f) => f.dir === 'request' && f.block);
    assert.equal(headers?.typeName, 'CONTINUATION');
    assert.deepEqual(headers?.block?.fields, [
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', '/library.v1.LibraryService/GetBook'],
      [':authority', 'localhost'],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
    ]);
    assert.equal(headers?.block?.encodedSize, sizes.requestBlock);
    const first = list.find((f) => f.dir === 'request' && f.typeName === 'HEADERS');
    assert.deepEqual(first?.flagNames, ['PADDED', 'PRIORITY']);
    assert.equal(first?.padLength, 3);
    const trailers = list.filter((f) => f.dir === 'response' && f.block);
    assert.deepEqual(
      trailers.map((f) => [f.block?.role, f.block?.fields]),
      [
        [
          'headers',
          [
            [':status', '200'],
            ['content-type', 'application/grpc+proto'],
          ],
        ],
        [
          'trailers',
          [
            ['grpc-status', '0'],
            ['grpc-message', 'OK'],
          ],
        ],
      ],
    );
    const goaway = list.find((f) => f.typeName === 'GOAWAY');
    assert.deepEqual(
      [goaway?.lastStreamId, goaway?.errorName, goaway?.opaqueData],
      [1, 'NO_ERROR', 'bye'],
    );
    const settingsFrame = list.find((f) => f.dir === 'request' && f.typeName === 'SETTINGS');
    assert.deepEqual(settingsFrame?.settings, [
      { id: 4, name: 'INITIAL_WINDOW_SIZE', value: 65535 },
      { id: 1, name: 'HEADER_TABLE_SIZE', value: 4096 },
    ]);
    assert.deepEqual(
      messages(window).map((m) => [m.dir, m.path, m.payload.toString('hex')]),
      [
        ['request', '/library.v1.LibraryService/GetBook', '0801'],
        [
          'response',
          '/library.v1.LibraryService/GetBook',
          Buffer.from('0123456789').toString('hex'),
        ],
      ],
    );
  });

  it('keeps one HPACK decoder per direction, so indexed fields of later blocks decode', () => {
    const encoder = createHpackEncoder();
    const request = (id: number, path: string) =>
      h2Frame(
        HEADERS,
        0x4 | 0x1,
        id,
        encoder([
          [':method', 'GET'],
          [':path', path],
          ['x-custom', 'same value every time'],
        ]),
      );
    const first = request(1, '/a');
    const second = request(3, '/b');
    const window = analyzeEverySplit([['request', Buffer.concat([HTTP2_PREFACE, first, second])]]);
    assert.ok(second.length < first.length, 'the second block reuses the dynamic table');
    assert.deepEqual(
      frames(window).map((f) => f.block?.fields),
      [
        [
          [':method', 'GET'],
          [':path', '/a'],
          ['x-custom', 'same value every time'],
        ],
        [
          [':method', 'GET'],
          [':path', '/b'],
          ['x-custom', 'same value every time'],
        ],
      ],
    );
    assert.equal(window.streams, 2);
  });

  it('counts RST_STREAM, WINDOW_UPDATE and unknown frames as connection and closes reset streams', () => {
    const encoder = createHpackEncoder();
    const block = encoder([
      [':method', 'POST'],
      [':path', '/s/Watch'],
      ['content-type', 'application/connect+proto'],
    ]);
    const window = analyzeEverySplit([
      [
        'request',
        Buffer.concat([
          HTTP2_PREFACE,
          h2Frame(HEADERS, 0x4, 1, block),
          h2Frame(DATA, 0, 1, envelope(0, Buffer.alloc(0))),
          h2Frame(WINDOW_UPDATE, 0, 1, u32(1000)),
          h2Frame(0xa, 0, 0, Buffer.from('altsvc')),
          h2Frame(RST_STREAM, 0, 1, u32(8)),
        ]),
      ],
    ]);
    assert.equal(window.request.layers.connection, 24 + 13 + 15 + 13);
    const rst = frames(window).find((f) => f.typeName === 'RST_STREAM');
    assert.equal(rst?.errorName, 'CANCEL');
    assert.equal(frames(window).find((f) => f.type === 0xa)?.typeName, 'UNKNOWN_0xa');
  });

  it('reads PUSH_PROMISE blocks with the same decoder', () => {
    const requestEncoder = createHpackEncoder();
    const responseEncoder = createHpackEncoder();
    const promise = responseEncoder([
      [':method', 'GET'],
      [':path', '/pushed'],
    ]);
    const headers = responseEncoder([
      [':status', '200'],
      [':path-echo', '/pushed'],
    ]);
    const window = analyzeEverySplit([
      [
        'request',
        Buffer.concat([
          HTTP2_PREFACE,
          h2Frame(
            HEADERS,
            0x5,
            1,
            requestEncoder([
              [':method', 'GET'],
              [':path', '/'],
            ]),
          ),
        ]),
      ],
      [
        'response',
        Buffer.concat([
          h2Frame(PUSH_PROMISE, 0x4, 1, Buffer.concat([u32(2), promise])),
          h2Frame(HEADERS, 0x5, 1, headers),
        ]),
      ],
    ]);
    assert.equal(window.response.layers.headers, promise.length + headers.length);
    assert.equal(window.response.layers.framing, 9 + 4 + 9);
    assert.deepEqual(
      frames(window)
        .filter((f) => f.dir === 'response')
        .map((f) => f.block?.fields),
      [
        [
          [':method', 'GET'],
          [':path', '/pushed'],
        ],
        [
          [':status', '200'],
          [':path-echo', '/pushed'],
        ],
      ],
    );
  });

  it('treats an empty typed request body as one message (an empty protobuf request)', () => {
    const encoder = createHpackEncoder();
    const window = analyzeEverySplit([
      [
        'request',
        Buffer.concat([
          HTTP2_PREFACE,
          h2Frame(
            HEADERS,
            0x5,
            1,
            encoder([
              [':method', 'POST'],
              [':path', '/library.v1.LibraryService/ExportCatalog'],
              ['content-type', 'application/proto'],
            ]),
          ),
        ]),
      ],
    ]);
    assert.equal(window.request.messages, 1);
    assert.equal(messages(window)[0]?.payloadLength, 0);
  });
});

// The compact wire sample, from comparison rows alone: one line per unit with its bytes, header
// fields and messages as continuation lines, long strings cut to fit a column, the layers as
// counted, and the reason a variant has no calls.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallWire, DirectionBytes } from '../accounting.ts';
import { toWireSample, WIRE_SAMPLE_SCHEMA } from './sample.ts';
import type { InspectReport, ReportMessage } from './transcript.ts';

function side(
  layers: Omit<DirectionBytes, 'total' | 'headersDecoded' | 'messages'>,
): DirectionBytes {
  const total = layers.headers + layers.trailers + layers.framing + layers.body + layers.connection;
  return { ...layers, total, headersDecoded: layers.headers, messages: 1 };
}

const REQUEST = side({ headers: 60, trailers: 0, framing: 0, body: 0, connection: 0 });
const RESPONSE = side({ headers: 120, trailers: 0, framing: 0, body: 90, connection: 0 });

const WIRE: CallWire = {
  request: REQUEST,
  response: RESPONSE,
  totals: { request: REQUEST.total, response: RESPONSE.total, total: 270, unparsed: 0 },
  newConnection: true,
  connectionsOpened: 1,
  httpRequests: 1,
  streams: 0,
  messages: { request: 0, response: 1 },
  errors: [],
  cutShort: [],
  unfinished: 0,
};

const BODY: ReportMessage = {
  framing: 'body',
  exchange: '1#1',
  path: '/v1/books/1',
  contentType: 'application/json',
  end: false,
  length: 90,
  decoded: { as: 'json', json: { title: 'T', description: 'x'.repeat(1000) } },
};

const REPORT: InspectReport = {
  variant: 'rest',
  operation: 'GetBook',
  ok: true,
  latencyMs: 1,
  wire: WIRE,
  codec: { encodeMs: 0, decodeMs: 0, method: 'replayed', codec: 'json', encoded: 0, decoded: 1 },
  listed: { request: 60, response: 210 },
  encodings: [],
  connections: [
    {
      conn: 1,
      protocol: 'http1',
      target: '127.0.0.1:8080',
      new: true,
      items: [
        {
          kind: 'head',
          dir: 'request',
          exchange: '1#1',
          startLine: 'GET /v1/books/1 HTTP/1.1',
          fields: [['host', '127.0.0.1:8080']],
          length: 60,
          messages: [],
        },
        {
          kind: 'head',
          dir: 'response',
          exchange: '1#1',
          startLine: 'HTTP/1.1 200 OK',
          fields: [['content-type', 'application/json']],
          length: 120,
          messages: [],
        },
        { kind: 'body', dir: 'response', length: 90, messages: [BODY] },
      ],
    },
  ],
};

describe('toWireSample', () => {
  const sample = toWireSample(
    { name: 'GetBook', describe: 'book 1' },
    [
      {
        variant: 'rest',
        cold: REPORT,
        warm: { ...REPORT, wire: { ...WIRE, newConnection: false } },
      },
      { variant: 'grpc', error: 'connect ECONNREFUSED' },
    ],
    'a test',
    new Date('2024-01-02T03:04:05.000Z'),
  );

  it('names the operation, its source and when it was captured', () => {
    assert.equal(sample.schema, WIRE_SAMPLE_SCHEMA);
    assert.equal(sample.operation, 'GetBook');
    assert.equal(sample.describe, 'book 1');
    assert.equal(sample.source, 'a test');
    assert.equal(sample.capturedAt, '2024-01-02T03:04:05.000Z');
  });

  it('writes one line per unit with its bytes, and fields and messages after it', () => {
    const first = sample.variants[0]?.first;
    assert.equal(first?.transport, 'http1');
    assert.deepEqual(first?.request, {
      headers: 60,
      trailers: 0,
      framing: 0,
      body: 0,
      connection: 0,
      total: 60,
    });
    const lines = first?.lines ?? [];
    assert.deepEqual(lines.slice(0, 4), [
      { dir: 'request', text: 'GET /v1/books/1 HTTP/1.1', bytes: 60 },
      { dir: 'request', text: '  host: 127.0.0.1:8080', bytes: 0 },
      { dir: 'response', text: 'HTTP/1.1 200 OK', bytes: 120 },
      { dir: 'response', text: '  content-type: application/json', bytes: 0 },
    ]);
    assert.deepEqual(lines[4], { dir: 'response', text: 'body', bytes: 90 });
    assert.equal(
      lines[5]?.text,
      `  body 90 B {"title":"T","description":"${'x'.repeat(48)}…(1,000 chars)"}`,
    );
  });

  it('keeps both calls of a variant that worked and the reason of one that did not', () => {
    assert.equal(sample.variants[0]?.ok, true);
    assert.ok(sample.variants[0]?.steady);
    assert.deepEqual(sample.variants[1], {
      variant: 'grpc',
      ok: false,
      error: 'connect ECONNREFUSED',
    });
  });
});

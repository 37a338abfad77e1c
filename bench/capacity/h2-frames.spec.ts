import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import hpack from 'hpack.js';
import {
  encodeRequestHeaders,
  findSharedFields,
  HpackDecoder,
  huffmanEncode,
  sizeInTable,
} from './h2-frames.ts';
import { encodeGetBook } from './requests.ts';

/** hpack.js as the independent implementation both directions are checked against. */
function decodeWithHpackJs(
  block: Buffer,
  decompressor = hpack.decompressor.create({ table: { maxSize: 4096 } }),
): [string, string][] {
  decompressor.write(block);
  decompressor.execute();
  const fields: [string, string][] = [];
  for (let field = decompressor.read(); field !== null; field = decompressor.read()) {
    fields.push([field.name, field.value]);
  }
  return fields;
}

function encodeWithHpackJs(fields: [string, string][], tableSize: number): Buffer {
  const compressor = hpack.compressor.create({ table: { maxSize: tableSize } });
  compressor.write(fields.map(([name, value]) => ({ name, value })));
  const out: Buffer[] = [];
  for (let chunk = compressor.read(); chunk !== null; chunk = compressor.read()) out.push(chunk);
  return Buffer.concat(out);
}

describe('encodeRequestHeaders', () => {
  it('encodes a gRPC request that another HPACK decoder reads back exactly', () => {
    const spec = encodeGetBook('grpc', 42);
    const block = encodeRequestHeaders(spec, '127.0.0.1:50051');
    assert.deepEqual(decodeWithHpackJs(block), [
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', '/library.v1.LibraryService/GetBook'],
      [':authority', '127.0.0.1:50051'],
      ['content-type', 'application/grpc+proto'],
      ['te', 'trailers'],
    ]);
  });

  it('indexes the fields shared by every request after inserting them once', () => {
    const specs = [encodeGetBook('grpc', 1), encodeGetBook('grpc', 2)];
    const shared = findSharedFields(specs, 'localhost:1');
    assert.deepEqual(shared, [
      [':path', '/library.v1.LibraryService/GetBook'],
      [':authority', 'localhost:1'],
      ['content-type', 'application/grpc+proto'],
      ['te', 'trailers'],
    ]);
    assert.equal(sizeInTable(shared), 34 + 5 + 11 + 10 + 12 + 22 + 2 + 8 + 4 * 32);
    const decoder = hpack.decompressor.create({ table: { maxSize: 4096 } });
    const insert = encodeRequestHeaders(specs[0]!, 'localhost:1', shared, 'insert');
    const indexed = encodeRequestHeaders(specs[1]!, 'localhost:1', shared, 'indexed');
    const expected = [[':method', 'POST'], [':scheme', 'http'], ...shared];
    assert.deepEqual(decodeWithHpackJs(insert, decoder), expected);
    // Two static indices and four dynamic ones: one byte per field.
    assert.equal(indexed.length, 6);
    assert.deepEqual(decodeWithHpackJs(indexed, decoder), expected);
    assert.deepEqual(decodeWithHpackJs(indexed, decoder), expected);
  });

  it('keeps per-request values as literals: REST paths differ by id', () => {
    const specs = [encodeGetBook('rest', 1), encodeGetBook('rest', 2)];
    const shared = findSharedFields(specs, 'h:1');
    assert.deepEqual(shared, [
      [':authority', 'h:1'],
      ['accept', 'application/json'],
    ]);
    const decoder = hpack.decompressor.create({ table: { maxSize: 4096 } });
    decodeWithHpackJs(encodeRequestHeaders(specs[0]!, 'h:1', shared, 'insert'), decoder);
    assert.deepEqual(
      decodeWithHpackJs(encodeRequestHeaders(specs[1]!, 'h:1', shared, 'indexed'), decoder),
      [
        [':method', 'GET'],
        [':scheme', 'http'],
        [':path', '/v1/books/2'],
        [':authority', 'h:1'],
        ['accept', 'application/json'],
      ],
    );
  });

  it('encodes GET and long values (multi-byte lengths) too', () => {
    const spec = { ...encodeGetBook('rest', 7), headers: { 'x-long': 'v'.repeat(300) } };
    assert.deepEqual(decodeWithHpackJs(encodeRequestHeaders(spec, 'h:1')), [
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/v1/books/7'],
      [':authority', 'h:1'],
      ['x-long', 'v'.repeat(300)],
    ]);
  });
});

describe('HpackDecoder', () => {
  const decode = (decoder: HpackDecoder, block: Buffer) => {
    decoder.decode(block, 0, block.length);
    return { status: decoder.status, grpcStatus: decoder.grpcStatus };
  };

  it("follows another encoder's dynamic table over successive responses", () => {
    const encode = (() => {
      const compressor = hpack.compressor.create({ table: { maxSize: 4096 } });
      return (fields: [string, string][]) => {
        compressor.write(fields.map(([name, value]) => ({ name, value })));
        const out: Buffer[] = [];
        for (let chunk = compressor.read(); chunk !== null; chunk = compressor.read()) {
          out.push(chunk);
        }
        return Buffer.concat(out);
      };
    })();
    const decoder = new HpackDecoder();
    const headers: [string, string][] = [
      [':status', '200'],
      ['content-type', 'application/grpc+proto'],
      ['grpc-accept-encoding', 'identity,deflate,gzip'],
    ];
    for (const [code, message] of [
      ['0', 'OK'],
      ['5', 'book 999999 not found'],
      ['0', 'OK'],
    ] as const) {
      assert.deepEqual(decode(decoder, encode(headers)), { status: 200, grpcStatus: undefined });
      const trailers = encode([
        ['grpc-status', code],
        ['grpc-message', message],
      ]);
      assert.deepEqual(decode(decoder, trailers), { status: 0, grpcStatus: code });
    }
    // The repeated fields now travel as one-byte indices.
    assert.ok(encode(headers).length <= 4);
    const errorBlock = encodeWithHpackJs(
      [
        [':status', '404'],
        ['grpc-status', '12'],
      ],
      0,
    );
    assert.deepEqual(decode(new HpackDecoder(), errorBlock), { status: 404, grpcStatus: '12' });
  });

  it('reads literal statuses, Huffman-coded names and values, and table size updates', () => {
    const literal415 = Buffer.from([0x20, 0x08, 0x03, ...Buffer.from('415')]);
    assert.equal(decode(new HpackDecoder(), literal415).status, 415);
    const huffmanName = huffmanEncode('grpc-status');
    const huffmanValue = huffmanEncode('12');
    const trailers = Buffer.from([
      0x00,
      0x80 | huffmanName.length,
      ...huffmanName,
      0x80 | huffmanValue.length,
      ...huffmanValue,
    ]);
    assert.deepEqual(decode(new HpackDecoder(), trailers), { status: 0, grpcStatus: '12' });
  });

  it('evicts the oldest entries past the table size', () => {
    const decoder = new HpackDecoder(100);
    // Literal with incremental indexing, new name: "x-a: ..." (3 + 40 + 32 = 75 octets), twice.
    const insert = (name: string) =>
      Buffer.from([0x40, name.length, ...Buffer.from(name), 40, ...Buffer.alloc(40, 0x61)]);
    decoder.decode(insert('x-a'), 0, 46);
    decoder.decode(insert('x-b'), 0, 46);
    // x-b is index 62; x-a was evicted to make room.
    assert.doesNotThrow(() => decoder.decode(Buffer.from([0x80 | 62]), 0, 1));
    assert.throws(() => decoder.decode(Buffer.from([0x80 | 63]), 0, 1), /not in the dynamic table/);
  });

  it('refuses an index past the table and a size update past what was announced', () => {
    assert.throws(
      () => new HpackDecoder().decode(Buffer.from([0x80 | 62]), 0, 1),
      /not in the dynamic table/,
    );
    assert.throws(
      () => new HpackDecoder().decode(Buffer.from([0x3f, 0xe2, 0x1f]), 0, 3),
      /table size update/,
    );
  });

  it('Huffman-encodes as RFC 7541 C.4.1 does', () => {
    assert.equal(huffmanEncode('www.example.com').toString('hex'), 'f1e3c2e5f23a6ba0ab90f4ff');
  });
});

// Decoding for people, without a server: a hex dump reads like hexdump -C; a book in any
// protocol's JSON comes out as the same domain book; protobuf bodies are decoded with the
// schema of their RPC path; a response's book is found where its protocol puts it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { create, toBinary, toJson } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  BookSchema,
  Genre,
  GetBookResponseSchema,
} from '../../schemas/gen/es/library/v1/library_pb.ts';
import type { Book } from '../contract.ts';
import type { MessageEvent } from '../wire/types.ts';
import { decodeBookFromWire, decodeMessage, hexDump, toDomainBook } from './decode.ts';

const BOOK: Book = {
  id: 7,
  authorId: 3,
  title: 'Seen on the Wire',
  isbn: '9780306406157',
  genre: 'science',
  tags: [],
  priceCents: 1999,
  pages: 0,
  publishedAt: '2024-05-06T07:08:09.000Z',
  description: 'A book.',
};

const PROTO_BOOK = create(BookSchema, {
  id: BOOK.id,
  authorId: BOOK.authorId,
  title: BOOK.title,
  isbn: BOOK.isbn,
  genre: Genre.SCIENCE,
  priceCents: BOOK.priceCents,
  publishedAt: timestampFromDate(new Date(BOOK.publishedAt)),
  description: BOOK.description,
});

const GET_BOOK = '/library.v1.LibraryService/GetBook';

function responseMessage(
  payload: Buffer,
  contentType: string,
  fields: Partial<MessageEvent> = {},
): MessageEvent {
  return {
    kind: 'message',
    conn: 1,
    dir: 'response',
    offset: 0,
    length: payload.length,
    at: 0,
    exchange: '1/1',
    path: GET_BOOK,
    framing: 'body',
    contentType,
    encoding: undefined,
    payloadLength: payload.length,
    endOffset: payload.length,
    payload,
    end: false,
    ...fields,
  };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('hexDump', () => {
  it('prints offset, 16 hex bytes and their printable characters per line', () => {
    const text = hexDump(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n'));
    assert.equal(
      text.split('\n')[0],
      '0000  47 45 54 20 2f 20 48 54 54 50 2f 31 2e 31 0d 0a  |GET / HTTP/1.1..|',
    );
    assert.match(text.split('\n')[1] ?? '', /^0010 {2}48 6f 73 74 .* {2}\|Host: x\.\.\|$/);
  });

  it('says how many bytes it left out past the limit', () => {
    const lines = hexDump(Buffer.alloc(40), 32).split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[2], '… 8 more bytes');
  });
});

describe('toDomainBook', () => {
  it('reads REST snake_case, GraphQL and proto3 JSON to the same book', () => {
    const rest = {
      ...BOOK,
      author_id: BOOK.authorId,
      price_cents: BOOK.priceCents,
      published_at: BOOK.publishedAt,
    };
    for (const key of ['authorId', 'priceCents', 'publishedAt'] as const) delete rest[key];
    const proto = toJson(BookSchema, PROTO_BOOK, { alwaysEmitImplicit: true }) as Record<
      string,
      unknown
    >;
    assert.deepEqual(toDomainBook(rest), BOOK);
    assert.deepEqual(toDomainBook({ ...BOOK, genre: 'SCIENCE' }), BOOK);
    assert.deepEqual(toDomainBook(proto), BOOK);
  });
});

describe('decodeMessage', () => {
  it('decodes a binary body with the protobuf type of its RPC path', () => {
    const payload = Buffer.from(
      toBinary(GetBookResponseSchema, create(GetBookResponseSchema, { book: PROTO_BOOK })),
    );
    const decoded = decodeMessage(responseMessage(payload, 'application/proto'));
    assert.equal(decoded.as, 'protobuf');
    assert.equal(decoded.type, 'library.v1.GetBookResponse');
    assert.equal((decoded.json as { book: { title: string } }).book.title, BOOK.title);
    assert.match(decoded.hex ?? '', /^0000 {2}0a /);
  });

  it('decompresses a gzip body and says so', () => {
    const decoded = decodeMessage(
      responseMessage(gzipSync(json({ ok: true })), 'application/json', { encoding: 'gzip' }),
    );
    assert.deepEqual(decoded, { as: 'json', json: { ok: true }, note: 'decompressed from gzip' });
  });

  it('shows a coding it cannot undo as bytes', () => {
    const decoded = decodeMessage(
      responseMessage(Buffer.from([1, 2, 3]), 'application/json', { encoding: 'zstd' }),
    );
    assert.equal(decoded.as, 'binary');
    assert.equal(decoded.note, 'compressed (zstd), not decompressed');
  });

  it('reads a gRPC-Web trailer frame as text and a Connect end-of-stream message as JSON', () => {
    const trailer = decodeMessage(
      responseMessage(Buffer.from('grpc-status: 0\r\n'), 'application/grpc-web+proto', {
        framing: 'envelope',
        end: true,
        flags: 0x80,
      }),
    );
    assert.deepEqual(trailer, { as: 'text', text: 'grpc-status: 0\r\n' });
    const endStream = decodeMessage(
      responseMessage(json({}), 'application/connect+proto', {
        framing: 'envelope',
        end: true,
        flags: 0x02,
      }),
    );
    assert.deepEqual(endStream, { as: 'json', json: {} });
  });
});

describe('decodeBookFromWire', () => {
  const windowOf = (...events: MessageEvent[]) => ({ events });

  it('finds the book where each protocol puts it', () => {
    const rest = responseMessage(json(BOOK), 'application/json', { path: '/v1/books/7' });
    const graphql = responseMessage(json({ data: { book: BOOK } }), 'application/json', {
      path: '/graphql',
    });
    const grpc = responseMessage(
      Buffer.from(
        toBinary(GetBookResponseSchema, create(GetBookResponseSchema, { book: PROTO_BOOK })),
      ),
      'application/grpc',
    );
    assert.deepEqual(decodeBookFromWire('rest', windowOf(rest)), BOOK);
    assert.deepEqual(decodeBookFromWire('graphql', windowOf(graphql)), BOOK);
    assert.deepEqual(decodeBookFromWire('grpc', windowOf(grpc)), BOOK);
  });

  it('gets back the default values proto3 JSON leaves out (Connect JSON)', () => {
    const book = create(BookSchema, { ...PROTO_BOOK, authorId: 0 });
    const proto3 = toJson(GetBookResponseSchema, create(GetBookResponseSchema, { book }));
    assert.equal((proto3 as { book: Record<string, unknown> }).book.authorId, undefined);
    const message = responseMessage(json(proto3), 'application/json');
    assert.deepEqual(decodeBookFromWire('connect-json-h1', windowOf(message)), {
      ...BOOK,
      authorId: 0,
    });
  });

  it('reads the last response message, not the trailers after it', () => {
    const body = responseMessage(json(BOOK), 'application/json', { path: '/v1/books/7' });
    const end = responseMessage(json({}), 'application/json', { end: true });
    assert.deepEqual(decodeBookFromWire('rest', windowOf(body, end)), BOOK);
    assert.equal(decodeBookFromWire('rest', windowOf()), undefined);
  });
});

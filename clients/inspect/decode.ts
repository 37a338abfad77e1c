// Messages read back for people (JSON, protobuf as JSON, text or a hex dump), and the book a
// response carries read from the wire bytes alone, to show every protocol sent the same data.

import { type DescMessage, fromBinary, fromJson, type JsonValue, toJson } from '@bufbuild/protobuf';
import type { Book, Variant } from '../contract.ts';
import { describeVariant, type Protocol } from '../variants.ts';
import { isMessageEvent, type WireWindow } from '../wire/analyzer.ts';
import { isJsonContent, methodOfPath, plainPayload } from '../wire/replay.ts';
import type { MessageEvent } from '../wire/types.ts';

export interface DecodedMessage {
  /** How the payload was read. */
  as: 'json' | 'protobuf' | 'text' | 'binary';
  /** The protobuf message type, when decoded with a schema. */
  type?: string;
  json?: unknown;
  text?: string;
  /** Hex dump of the first 256 bytes, for binary payloads. */
  hex?: string;
  note?: string;
}

const PROTO_TYPES = new Set([
  'application/proto',
  'application/protobuf',
  'application/x-protobuf',
  'application/grpc',
  'application/grpc+proto',
  'application/grpc-web',
  'application/grpc-web+proto',
  'application/connect+proto',
]);

/** `offset  hex bytes  |ascii|`, 16 bytes a line, as hexdump -C prints it. */
export function hexDump(bytes: Buffer, limit = 256): string {
  const lines: string[] = [];
  const shown = bytes.subarray(0, limit);
  for (let i = 0; i < shown.length; i += 16) {
    const row = shown.subarray(i, i + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row]
      .map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.'))
      .join('');
    lines.push(`${i.toString(16).padStart(4, '0')}  ${hex.padEnd(47)}  |${ascii}|`);
  }
  if (bytes.length > limit) lines.push(`… ${bytes.length - limit} more bytes`);
  return lines.join('\n');
}

/** The protobuf type of a message on an RPC path; undefined on REST and GraphQL paths. */
function schemaFor(message: MessageEvent): DescMessage | undefined {
  return methodOfPath(message.path)?.[message.dir === 'request' ? 'input' : 'output'];
}

export function decodeMessage(message: MessageEvent): DecodedMessage {
  const payload = plainPayload(message);
  if (payload === undefined) {
    return {
      as: 'binary',
      hex: hexDump(message.payload),
      note: `compressed (${message.encoding}), not decompressed`,
    };
  }
  const note = message.encoding ? `decompressed from ${message.encoding}` : undefined;
  const withNote = (decoded: DecodedMessage): DecodedMessage =>
    note === undefined ? decoded : { ...decoded, note };
  if (message.framing === 'envelope' && message.end) {
    // gRPC-Web trailers are header lines; Connect's end-of-stream message is JSON.
    if ((message.flags ?? 0) & 0x80)
      return withNote({ as: 'text', text: payload.toString('utf8') });
    try {
      return withNote({ as: 'json', json: JSON.parse(payload.toString('utf8')) });
    } catch {
      return withNote({ as: 'text', text: payload.toString('utf8') });
    }
  }
  if (isJsonContent(message.contentType)) {
    const text = payload.toString('utf8');
    try {
      return withNote({ as: 'json', json: JSON.parse(text) });
    } catch {
      return withNote({ as: 'text', text });
    }
  }
  if (PROTO_TYPES.has(message.contentType)) {
    const schema = schemaFor(message);
    if (schema) {
      try {
        const decoded = fromBinary(schema, payload);
        return withNote({
          as: 'protobuf',
          type: schema.typeName,
          json: toJson(schema, decoded),
          hex: hexDump(payload),
        });
      } catch (err) {
        return withNote({
          as: 'binary',
          hex: hexDump(payload),
          note: `not a ${schema.typeName}: ${(err as Error).message}`,
        });
      }
    }
  }
  return withNote({ as: 'binary', hex: hexDump(payload) });
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A book in any protocol's JSON (REST snake_case, GraphQL, proto3 JSON) in domain form. */
export function toDomainBook(value: JsonObject): Book {
  const pick = (camel: string, snake: string) => value[camel] ?? value[snake];
  return {
    id: Number(value.id),
    authorId: Number(pick('authorId', 'author_id')),
    title: String(value.title ?? ''),
    isbn: String(value.isbn ?? ''),
    genre: String(value.genre ?? '')
      .toLowerCase()
      .replace(/^genre_/, '') as Book['genre'],
    tags: (value.tags as string[] | undefined) ?? [],
    priceCents: Number(pick('priceCents', 'price_cents') ?? 0),
    pages: Number(value.pages ?? 0),
    publishedAt: new Date(String(pick('publishedAt', 'published_at'))).toISOString(),
    description: String(value.description ?? ''),
  };
}

/**
 * Where each protocol puts the book in a GetBook or CreateBook response: REST answers with the
 * resource itself, GraphQL under data and the one field asked for, the RPC protocols in the
 * response message's `book` field. A Record, so a new protocol cannot be forgotten here.
 */
const BOOK_IN_RESPONSE: Record<Protocol, (json: JsonObject) => unknown> = {
  rest: (json) => json,
  graphql: (json) => (isObject(json.data) ? Object.values(json.data)[0] : undefined),
  grpc: (json) => json.book,
  connect: (json) => json.book,
  'grpc-web': (json) => json.book,
};

/** The book a GetBook or CreateBook response carries, decoded from the wire. */
export function decodeBookFromWire(
  variant: Variant,
  window: Pick<WireWindow, 'events'>,
): Book | undefined {
  const facts = describeVariant(variant);
  const responses = window.events
    .filter(isMessageEvent)
    .filter((m) => m.dir === 'response' && !m.end);
  const message = responses.at(-1);
  if (!message) return undefined;
  const payload = plainPayload(message);
  if (payload === undefined) return undefined;
  const schema = schemaFor(message);
  let json: unknown;
  if (isJsonContent(message.contentType)) {
    json = JSON.parse(payload.toString('utf8'));
    // A protobuf message written as JSON is proto3 JSON, which leaves default values out; read
    // it with its schema to get them back. (A proto-codec variant's JSON is an error body.)
    if (schema && facts.codec === 'json') {
      json = toJson(schema, fromJson(schema, json as JsonValue), { alwaysEmitImplicit: true });
    }
  } else {
    if (!schema) return undefined;
    json = toJson(schema, fromBinary(schema, payload), { alwaysEmitImplicit: true });
  }
  if (!isObject(json)) return undefined;
  const book = BOOK_IN_RESPONSE[facts.protocol](json);
  return isObject(book) ? toDomainBook(book) : undefined;
}

// Client codec time, measured the same way for every variant: the messages a call put on the
// wire are encoded and decoded again, right after the call, with the codec that variant's client
// uses. Clients do not all expose their codecs (connect-es serialises inside its transport), so
// timing them in place is not possible uniformly; replaying is. Figures are labelled `replayed`.

import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import {
  type DescMessage,
  type DescMethod,
  fromBinary,
  fromJson,
  type JsonValue,
  toBinary,
  toJson,
} from '@bufbuild/protobuf';
import { LibraryService } from '../../schemas/gen/es/library/v1/library_pb.ts';
import { LibraryServiceDefinition } from '../../schemas/gen/pbjs/library_grpc_pb.ts';
import type { Variant } from '../contract.ts';
import { type ClientCodec, describeVariant } from '../variants.ts';
import type { MessageEvent } from './types.ts';

/** The codec library a variant's client serialises with (clients/variants.ts). */
export type CodecName = ClientCodec;

export interface CodecTiming {
  /** Time to encode the request messages again. */
  encodeMs: number;
  /** Time to decode the response messages again. */
  decodeMs: number;
  method: 'replayed';
  codec: CodecName;
  /** Messages replayed per direction (messages no codec could read are left out). */
  encoded: number;
  decoded: number;
}

export function codecOf(variant: Variant): CodecName {
  return describeVariant(variant).clientCodec;
}

const methodsByPath = new Map<string, DescMethod>(
  LibraryService.methods.map((m) => [`/${LibraryService.typeName}/${m.name}`, m]),
);

/** The protobuf-es method of an RPC path (`/library.v1.LibraryService/GetBook`). */
export function methodOfPath(path: string | undefined): DescMethod | undefined {
  return path === undefined ? undefined : methodsByPath.get(path.split('?')[0] ?? '');
}

type PbjsMethod = (typeof LibraryServiceDefinition)[keyof typeof LibraryServiceDefinition];
const pbjsByPath = new Map<string, PbjsMethod>(
  Object.values(LibraryServiceDefinition).map((m) => [m.path, m as PbjsMethod]),
);

export function isJsonContent(contentType: string): boolean {
  return (
    contentType === 'application/json' ||
    contentType.endsWith('+json') ||
    contentType === 'application/x-ndjson' ||
    contentType === 'text/event-stream' ||
    contentType === 'text/plain'
  );
}

/** The message bytes as the codec sees them: decompressed (untimed) when sent compressed. */
export function plainPayload(message: MessageEvent): Buffer | undefined {
  const encoding = message.encoding?.toLowerCase();
  try {
    if (encoding === undefined || encoding === 'identity') return message.payload;
    if (encoding === 'gzip') return gunzipSync(message.payload);
    if (encoding === 'br') return brotliDecompressSync(message.payload);
    if (encoding === 'deflate') return inflateSync(message.payload);
  } catch {
    return undefined;
  }
  return undefined;
}

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

interface Replayer {
  /** Returns the time to encode the message again, or undefined when it cannot. */
  encode(bytes: Buffer, message: MessageEvent): number | undefined;
  decode(bytes: Buffer, message: MessageEvent): number | undefined;
}

function time(work: () => unknown): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}

const jsonReplayer: Replayer = {
  encode(bytes) {
    const value: unknown = JSON.parse(utf8.decode(bytes));
    return time(() => utf8Encoder.encode(JSON.stringify(value)));
  },
  decode(bytes) {
    return time(() => JSON.parse(utf8.decode(bytes)));
  },
};

function schemaOf(message: MessageEvent, dir: 'input' | 'output'): DescMessage | undefined {
  return methodOfPath(message.path)?.[dir];
}

const protobufEsJsonReplayer: Replayer = {
  encode(bytes, message) {
    const schema = schemaOf(message, 'input');
    if (!schema) return jsonReplayer.encode(bytes, message);
    const value = fromJson(schema, JSON.parse(utf8.decode(bytes)) as JsonValue);
    return time(() => utf8Encoder.encode(JSON.stringify(toJson(schema, value))));
  },
  decode(bytes, message) {
    const schema = schemaOf(message, 'output');
    if (!schema) return jsonReplayer.decode(bytes, message);
    return time(() => fromJson(schema, JSON.parse(utf8.decode(bytes)) as JsonValue));
  },
};

const protobufEsBinaryReplayer: Replayer = {
  encode(bytes, message) {
    const schema = schemaOf(message, 'input');
    if (!schema) return undefined;
    const value = fromBinary(schema, bytes);
    return time(() => toBinary(schema, value));
  },
  decode(bytes, message) {
    const schema = schemaOf(message, 'output');
    if (!schema) return undefined;
    return time(() => fromBinary(schema, bytes));
  },
};

const protobufjsReplayer: Replayer = {
  encode(bytes, message) {
    const method = pbjsByPath.get(message.path ?? '');
    if (!method) return undefined;
    // Every method's serializers take the same shape of object they decode to.
    const serialize = method.requestSerialize as (value: unknown) => Buffer;
    const value = method.requestDeserialize(bytes);
    return time(() => serialize(value));
  },
  decode(bytes, message) {
    const method = pbjsByPath.get(message.path ?? '');
    if (!method) return undefined;
    return time(() => method.responseDeserialize(bytes));
  },
};

const REPLAYERS: Record<CodecName, Replayer> = {
  json: jsonReplayer,
  'protobuf-es-json': protobufEsJsonReplayer,
  'protobuf-es-binary': protobufEsBinaryReplayer,
  protobufjs: protobufjsReplayer,
};

/** Replays the codec of `variant` on the messages of one call. */
export function replayCodec(variant: Variant, messages: MessageEvent[]): CodecTiming {
  const codec = codecOf(variant);
  const timing: CodecTiming = {
    encodeMs: 0,
    decodeMs: 0,
    method: 'replayed',
    codec,
    encoded: 0,
    decoded: 0,
  };
  for (const message of messages) {
    if (message.end) continue;
    const bytes = plainPayload(message);
    if (bytes === undefined) continue;
    // An error body of a binary RPC (Connect unary errors are JSON) is read as JSON.
    const json = isJsonContent(message.contentType);
    const replayer = json && codec !== 'protobuf-es-json' ? jsonReplayer : REPLAYERS[codec];
    let ms: number | undefined;
    try {
      ms =
        message.dir === 'request'
          ? replayer.encode(bytes, message)
          : replayer.decode(bytes, message);
    } catch {
      ms = undefined;
    }
    if (ms === undefined) continue;
    if (message.dir === 'request') {
      timing.encodeMs += ms;
      timing.encoded += 1;
    } else {
      timing.decodeMs += ms;
      timing.decoded += 1;
    }
  }
  return timing;
}

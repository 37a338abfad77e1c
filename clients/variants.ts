// The facts of every protocol variant, written once: protocol, codec, transport, the server
// group that serves it, the stack and its hello-world ceiling, the origin it calls, what a
// browser could do with it and which call modes it has. Clients, capacity requests, ceilings,
// replay codecs, the inspector and the report read this table; a new variant is a new row.

import type { Capabilities, Endpoints, Variant } from './contract.ts';
import { unsupported, VARIANTS } from './contract.ts';

/** The wire protocol, as its specification names it. */
export type Protocol = 'rest' | 'graphql' | 'grpc' | 'connect' | 'grpc-web';
/** How messages are written on the wire. */
export type WireCodec = 'json' | 'protobuf';
/**
 * The codec library the variant's client serialises with (what a replay times):
 * - json: JSON.parse / JSON.stringify (REST, GraphQL);
 * - protobuf-es-json: connect-es's JSON codec, JSON.parse then fromJson, toJson then stringify;
 * - protobuf-es-binary: fromBinary / toBinary (Connect binary, gRPC-Web);
 * - protobufjs: the generated grpc-js serializers.
 */
export type ClientCodec = 'json' | 'protobuf-es-json' | 'protobuf-es-binary' | 'protobufjs';
export type Transport = 'h1' | 'h2';
/** The server process that serves a variant (`serve --only <group>`). */
export type ServerGroup = 'rest' | 'graphql' | 'connect' | 'grpc';
/** The bare hello-world a variant's figures stand beside (bench/ceilings/servers.ts). */
export type CeilingStack =
  | 'node-http'
  | 'express'
  | 'graphql-yoga'
  | 'grpc-js'
  | 'connect-h1'
  | 'connect-h2';
/** Which of the served ports a variant calls. */
export type EndpointName = keyof Endpoints;

export interface VariantDescriptor {
  name: Variant;
  /** One line for tables and --help. */
  summary: string;
  protocol: Protocol;
  codec: WireCodec;
  clientCodec: ClientCodec;
  transport: Transport;
  httpVersion: '1.1' | '2';
  serverGroup: ServerGroup;
  /** The server implementation, as the report names the stack. */
  server: 'express' | 'graphql-yoga' | 'grpc-js' | 'connect-node';
  /** The client library that drives it. */
  client: 'openapi-fetch' | 'graphql-request' | 'grpc-js' | 'connect-node';
  ceiling: CeilingStack;
  endpoint: EndpointName;
  /** A browser can call this protocol (fetch, EventSource, WebSocket). */
  browser: boolean;
  capabilities: Capabilities;
}

const ALL_MODES: Capabilities = {
  unary: { supported: true },
  serverStream: { supported: true },
  clientStream: { supported: true },
  bidi: { supported: true },
};

const BIDI_OVER_H1 =
  'HTTP/1.1 cannot carry a request and a response body at once: connect-node refuses ' +
  'bidirectional calls over HTTP/1.1 with HTTP 505 (the HTTP/2 variants have them)';

const BROWSER_CAVEAT =
  '; browsers cannot make bidirectional or client-streaming gRPC-Web calls on any HTTP ' +
  'version (fetch cannot stream a request body), only node clients like this one can';

/**
 * connect-node over HTTP/1.1 has every mode but bidi. Node streams a request body over
 * HTTP/1.1 too (chunked), which browsers cannot, so client streaming stays supported here.
 */
const CONNECT_H1: Capabilities = { ...ALL_MODES, bidi: unsupported(BIDI_OVER_H1) };
const GRPC_WEB_H1: Capabilities = {
  ...ALL_MODES,
  bidi: unsupported(`${BIDI_OVER_H1}${BROWSER_CAVEAT}`),
};

function connectRow(
  name: Variant,
  summary: string,
  protocol: 'connect' | 'grpc-web',
  codec: WireCodec,
  transport: Transport,
): VariantDescriptor {
  const h1 = transport === 'h1';
  return {
    name,
    summary,
    protocol,
    codec,
    clientCodec: codec === 'json' ? 'protobuf-es-json' : 'protobuf-es-binary',
    transport,
    httpVersion: h1 ? '1.1' : '2',
    serverGroup: 'connect',
    server: 'connect-node',
    client: 'connect-node',
    ceiling: h1 ? 'connect-h1' : 'connect-h2',
    endpoint: h1 ? 'http' : 'h2',
    browser: true,
    capabilities: h1 ? (protocol === 'grpc-web' ? GRPC_WEB_H1 : CONNECT_H1) : ALL_MODES,
  };
}

export const VARIANT_TABLE: Readonly<Record<Variant, VariantDescriptor>> = {
  rest: {
    name: 'rest',
    summary: 'REST/OpenAPI on express, HTTP/1.1, openapi-fetch over undici',
    protocol: 'rest',
    codec: 'json',
    clientCodec: 'json',
    transport: 'h1',
    httpVersion: '1.1',
    serverGroup: 'rest',
    server: 'express',
    client: 'openapi-fetch',
    ceiling: 'express',
    endpoint: 'http',
    browser: true,
    // SSE and an NDJSON response stream; an NDJSON request body; a WebSocket for chat.
    capabilities: ALL_MODES,
  },
  graphql: {
    name: 'graphql',
    summary: 'GraphQL on graphql-yoga, HTTP/1.1 (DataLoader on /graphql, off on /graphql-naive)',
    protocol: 'graphql',
    codec: 'json',
    clientCodec: 'json',
    transport: 'h1',
    httpVersion: '1.1',
    serverGroup: 'graphql',
    server: 'graphql-yoga',
    client: 'graphql-request',
    ceiling: 'graphql-yoga',
    endpoint: 'http',
    browser: true,
    // Subscriptions over SSE; client streaming is one mutation with a list (not a stream on
    // the wire); bidi is a subscription plus a mutation per message sent.
    capabilities: ALL_MODES,
  },
  grpc: {
    name: 'grpc',
    summary: 'gRPC, grpc-js client and server, HTTP/2',
    protocol: 'grpc',
    codec: 'protobuf',
    clientCodec: 'protobufjs',
    transport: 'h2',
    httpVersion: '2',
    serverGroup: 'grpc',
    server: 'grpc-js',
    client: 'grpc-js',
    ceiling: 'grpc-js',
    endpoint: 'grpc',
    browser: false,
    capabilities: ALL_MODES,
  },
  'grpc-connect': {
    name: 'grpc-connect',
    summary: "gRPC, grpc-js client against connect-node's gRPC server, HTTP/2",
    protocol: 'grpc',
    codec: 'protobuf',
    clientCodec: 'protobufjs',
    transport: 'h2',
    httpVersion: '2',
    serverGroup: 'connect',
    server: 'connect-node',
    client: 'grpc-js',
    ceiling: 'connect-h2',
    endpoint: 'h2',
    browser: false,
    capabilities: ALL_MODES,
  },
  'connect-json-h1': connectRow(
    'connect-json-h1',
    'Connect protocol, JSON, HTTP/1.1, connect-node client and server',
    'connect',
    'json',
    'h1',
  ),
  'connect-proto-h1': connectRow(
    'connect-proto-h1',
    'Connect protocol, binary protobuf, HTTP/1.1',
    'connect',
    'protobuf',
    'h1',
  ),
  'connect-json-h2': connectRow(
    'connect-json-h2',
    'Connect protocol, JSON, HTTP/2',
    'connect',
    'json',
    'h2',
  ),
  'connect-proto-h2': connectRow(
    'connect-proto-h2',
    'Connect protocol, binary protobuf, HTTP/2',
    'connect',
    'protobuf',
    'h2',
  ),
  'grpc-web-h1': connectRow(
    'grpc-web-h1',
    'gRPC-Web (binary), HTTP/1.1, connect-node client and server',
    'grpc-web',
    'protobuf',
    'h1',
  ),
  'grpc-web-h2': connectRow(
    'grpc-web-h2',
    'gRPC-Web (binary), HTTP/2',
    'grpc-web',
    'protobuf',
    'h2',
  ),
};

/** The descriptor of a variant. */
export function describeVariant(variant: Variant): VariantDescriptor {
  return VARIANT_TABLE[variant];
}

export function isVariant(name: string): name is Variant {
  return (VARIANTS as readonly string[]).includes(name);
}

/** The descriptor of a variant named in a results file, which may be of another version. */
export function findVariant(name: string): VariantDescriptor | undefined {
  return isVariant(name) ? VARIANT_TABLE[name] : undefined;
}

/** `http://host:port` of the server that serves a variant. */
export function originOf(variant: Variant, endpoints: Endpoints): string {
  const endpoint = endpoints[VARIANT_TABLE[variant].endpoint];
  return endpoint.includes('://') ? endpoint : `http://${endpoint}`;
}

/** The variants in table order, grouped by the server process that serves them. */
export function groupByServer(variants: readonly Variant[]): Map<ServerGroup, Variant[]> {
  const groups = new Map<ServerGroup, Variant[]>();
  for (const variant of variants) {
    const group = VARIANT_TABLE[variant].serverGroup;
    groups.set(group, [...(groups.get(group) ?? []), variant]);
  }
  return groups;
}

/** Every variant one stack's ceiling stands beside. */
export function variantsOfCeiling(stack: CeilingStack): Variant[] {
  return VARIANTS.filter((v) => VARIANT_TABLE[v].ceiling === stack);
}

/** The transport of a ceiling stack: HTTP/2 for grpc-js and connect-node's h2c, else 1.1. */
export function transportOfCeiling(stack: CeilingStack): Transport {
  return stack === 'grpc-js' || stack === 'connect-h2' ? 'h2' : 'h1';
}

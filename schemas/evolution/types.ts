// The shape of the schema evolution lab (`wirebench evolve`): change sets, the plain values
// every protocol's data is read into, and the two sides of an exchange. Servers (apis/evolution)
// and clients (clients/evolution) are built from one version of a change set's contracts; the
// lab (bench/evolution) pairs an old side with a new one and compares what each side saw.

/** The two sides of a change set: v1 is what is deployed, v2 what a team is about to ship. */
export type Version = 'v1' | 'v2';
export const VERSIONS: readonly Version[] = ['v1', 'v2'];

/**
 * A value as a program of one version reads it, the same for every protocol: camelCase field
 * names (the proto JSON name, the GraphQL and OpenAPI property), enum values by name (an enum
 * number the reader's schema does not know reads as the number), 64-bit integers as decimal
 * strings, absent fields left out. Fields a reader's generated code always has (a proto3
 * scalar without `optional`) are present with the value the program sees, zero included.
 */
export type PlainValue = string | number | boolean | null | PlainValue[] | Plain;
export interface Plain {
  [field: string]: PlainValue;
}

/** The operations of the lab's Book API; a version has those its contracts declare. */
export type Operation = 'getBook' | 'createBook' | 'listBooks';

/**
 * One v1 → v2 change, written for every contract under schemas/evolution/<folder>/:
 * book.proto, schema.graphql and openapi.yaml.
 */
export interface ChangeSet {
  /** kebab-case, the folder under schemas/evolution/changes/ holding its v2 (and any own v1). */
  name: string;
  /** One line: what changes. */
  description: string;
  /** What a team would do this for. */
  use: string;
  /** How each protocol expresses the change, where it is not the obvious edit. */
  notes?: { proto?: string; graphql?: string; openapi?: string };
  /** Folder (under schemas/evolution/) of each version's contracts: 'base' or 'changes/<name>/v2'. */
  contracts: Record<Version, string>;
  /** The book a server of each version holds (getBook, listBooks) and a client of it writes. */
  book: Record<Version, Plain>;
  /**
   * What a client of each version writes with createBook, when it differs from `book` less
   * its id (e.g. a field left out so that the default applies).
   */
  write?: Partial<Record<Version, Plain>>;
  /** The getBook request of each version's client; `{ id }` of the book unless given. */
  read?: Partial<Record<Version, Plain>>;
  /** The operation each version's client reads with; getBook unless given. */
  readOperation?: Partial<Record<Version, Operation>>;
  /**
   * What a version's plain value means, as facts compared across versions (a renamed field
   * maps to the old name, a split field joins again). Unless given, the facts are the plain
   * value itself, nested objects flattened to dotted paths.
   */
  facts?: Partial<Record<Version, (value: Plain, kind: 'book' | 'read') => Facts>>;
  /**
   * Fields a proto server of a version rejects when they are absent or zero: proto3 has no
   * `required`, so a team enforces it in the handler (or with protovalidate). REST and GraphQL
   * servers enforce what their contract says and read nothing from here.
   */
  protoRequires?: Partial<Record<Version, string[]>>;
}

/** Facts of a value: dotted path → a JSON-comparable value. */
export type Facts = Record<string, PlainValue>;

/** The protocol variants the lab exchanges over (their server family in brackets). */
export type EvolutionVariant =
  | 'rest' // express + express-openapi-validator, openapi-fetch [rest]
  | 'graphql' // graphql-yoga, graphql-request [graphql]
  | 'grpc' // @grpc/grpc-js + protobufjs on both sides [grpc]
  | 'grpc-connect' // gRPC protocol, @connectrpc/connect-node client and server [connect]
  | 'connect-json' // Connect protocol, JSON [connect]
  | 'connect-proto' // Connect protocol, binary [connect]
  | 'grpc-web'; // gRPC-Web protocol, connect-node server [connect]

export const EVOLUTION_VARIANTS: readonly EvolutionVariant[] = [
  'rest',
  'graphql',
  'grpc',
  'grpc-connect',
  'connect-json',
  'connect-proto',
  'grpc-web',
];

export type ServerFamily = 'rest' | 'graphql' | 'grpc' | 'connect';

export const FAMILY_OF: Record<EvolutionVariant, ServerFamily> = {
  rest: 'rest',
  graphql: 'graphql',
  grpc: 'grpc',
  'grpc-connect': 'connect',
  'connect-json': 'connect',
  'connect-proto': 'connect',
  'grpc-web': 'connect',
};

/** The header (gRPC metadata key) naming an exchange, so the server's record can be found. */
export const EXCHANGE_HEADER = 'x-evolution-exchange';

/** What a server decoded from a request, as its version's program reads it. */
export interface ServerRecord {
  exchange: string;
  operation: Operation;
  value: Plain;
  /** The request body as it arrived (base64 for binary), where the stack hands it over. */
  body?: string;
}

/** Everything an evolution server needs: the change, its version, where to record. */
export interface EvolutionServerOptions {
  change: ChangeSet;
  version: Version;
  record(entry: ServerRecord): void;
}

export interface StartedEvolutionServer {
  port: number;
  close(): Promise<void>;
}

/** Starts one family's server for one version of a change set on 127.0.0.1, port 0. */
export type StartEvolutionServer = (
  options: EvolutionServerOptions,
) => Promise<StartedEvolutionServer>;

/** What a client's generated code decoded, as its program reads it. */
export interface ClientReading {
  value: Plain;
  /** The message as the client's library serialized it (base64 for binary, text for JSON). */
  sent?: string;
  /** The response body as it arrived (base64 for binary), where the stack hands it over. */
  received?: string;
}

/** The error the caller saw, in its protocol's terms. */
export class LoudFailure extends Error {
  constructor(
    /** The protocol's code: an HTTP status, a gRPC/Connect code name, a GraphQL error code. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LoudFailure';
  }
}

export interface EvolutionClientOptions {
  change: ChangeSet;
  version: Version;
  variant: EvolutionVariant;
  /** http://127.0.0.1:PORT of the server of the variant's family. */
  baseUrl: string;
}

export interface EvolutionClient {
  /**
   * Calls an operation with a request in the client's version's plain shape (getBook: the
   * request; createBook: the book; listBooks: {}), through the version's generated code.
   * listBooks reads as `{ books: [...] }`. Rejects with LoudFailure when the caller sees an
   * error; any other rejection is a defect of the lab.
   */
  call(operation: Operation, request: Plain, exchange: string): Promise<ClientReading>;
  close(): Promise<void>;
}

export type CreateEvolutionClient = (options: EvolutionClientOptions) => Promise<EvolutionClient>;

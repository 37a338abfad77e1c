// The shape of a pre-encoded request, shared by the generators, the request builders and the
// ceiling servers.

export type { Transport } from '../../clients/variants.ts';

/**
 * How a response is judged a success beyond its HTTP status:
 * - http: 2xx is success (REST; Connect unary, whose errors are never 200);
 * - graphql: a 200 with an `errors` member is a failure;
 * - grpc: grpc-status in trailers or trailers-only headers, 0 is success;
 * - grpc-web: grpc-status in trailers-only headers or in the body's trailer frame.
 */
export type SuccessCheck = 'http' | 'graphql' | 'grpc' | 'grpc-web';

/** One request, encoded once: what the generator writes, byte for byte. */
export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  /** Lower-case names, no pseudo-headers and no host: each generator adds its own. */
  headers: Readonly<Record<string, string>>;
  body: Buffer;
  check: SuccessCheck;
  /**
   * Full decoding of one answer, used before a run (and by tests) on a sample of the specs:
   * returns what is wrong, or undefined when the answer is the expected one.
   */
  verify?: ((response: RawResponse) => string | undefined) | undefined;
}

/** One whole response, buffered. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** HTTP/2 trailers (gRPC); empty otherwise. */
  trailers: Record<string, string>;
  body: Buffer;
}

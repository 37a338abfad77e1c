// GraphQL failures as ClientError: extensions.code (UPPER_SNAKE) becomes the canonical
// snake_case code and extensions.fieldViolations the violations, with argument paths turned
// back into domain field names; transport failures get the code a gRPC client would report.

import { ClientError as GraphQLRequestError } from 'graphql-request';
import { ClientError } from '../contract.ts';

/** An error of a GraphQL response as it is on the wire (graphql-sse types it as GraphQLError). */
export interface WireGraphQLError {
  message: string;
  extensions?: Record<string, unknown> | undefined;
}

/** Codes of graphql-js and yoga themselves, which are not canonical codes. */
const GRAPHQL_OWN_CODES: Readonly<Record<string, string>> = {
  GRAPHQL_PARSE_FAILED: 'invalid_argument',
  GRAPHQL_VALIDATION_FAILED: 'invalid_argument',
  BAD_USER_INPUT: 'invalid_argument',
  BAD_REQUEST: 'invalid_argument',
  PERSISTED_QUERY_NOT_FOUND: 'not_found',
  INTERNAL_SERVER_ERROR: 'internal',
};

// Argument names of the list queries that are not the domain's names.
const RENAMED_ARGUMENTS: Readonly<Record<string, string>> = { first: 'pageSize', after: 'cursor' };

/** `input.priceCents` -> `priceCents`, `first` -> `pageSize`; `reviews[3].rating` stays. */
function toDomainField(field: string): string {
  const bare = field.replace(/^input\./, '');
  return RENAMED_ARGUMENTS[bare] ?? bare;
}

function readViolations(extensions: Record<string, unknown> | undefined) {
  const raw = extensions?.fieldViolations;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((v: unknown) => {
    const { field, description } = (v ?? {}) as { field?: unknown; description?: unknown };
    return typeof field === 'string' && typeof description === 'string'
      ? [{ field: toDomainField(field), description }]
      : [];
  });
}

/** The first error of a response (the operations here have one root field) -> ClientError. */
export function fromGraphQLErrors(
  errors: readonly WireGraphQLError[],
  options: { cause?: unknown } = {},
): ClientError {
  const first = errors[0];
  if (!first) return new ClientError('unknown', 'the response had neither data nor errors');
  const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'UNKNOWN';
  const canonical = GRAPHQL_OWN_CODES[code] ?? code.toLowerCase();
  return new ClientError(canonical, first.message, readViolations(first.extensions), options);
}

const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  413: 'resource_exhausted',
  429: 'resource_exhausted',
  503: 'unavailable',
  504: 'deadline_exceeded',
};

/** An HTTP status without GraphQL errors (a proxy's page, a 404 for a wrong path). */
export function fromHttpStatus(status: number, options: { cause?: unknown } = {}): ClientError {
  const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'unknown');
  return new ClientError(code, `HTTP ${status}`, [], options);
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  response?: { status?: unknown };
}

/** Anything a call threw -> ClientError (a ClientError passes through). */
export function toClientError(err: unknown): ClientError {
  if (err instanceof ClientError) return err;
  if (err instanceof GraphQLRequestError) {
    const errors = err.response.errors;
    if (errors && errors.length > 0) return fromGraphQLErrors(errors, { cause: err });
    return fromHttpStatus(err.response.status, { cause: err });
  }
  const e = (err ?? {}) as ErrorLike;
  // graphql-sse's NetworkError carries the refused response.
  if (typeof e.response?.status === 'number')
    return fromHttpStatus(e.response.status, { cause: err });
  // fetch wraps the transport error as TypeError('fetch failed', { cause }).
  const inner = (typeof e.cause === 'object' && e.cause !== null ? e.cause : e) as ErrorLike;
  const message = typeof inner.message === 'string' ? inner.message : String(err);
  if (e.name === 'AbortError' || inner.name === 'AbortError') {
    return new ClientError('cancelled', 'the call was cancelled', [], { cause: err });
  }
  // graphql-sse's NetworkError keeps only the message of what fetch threw.
  if (typeof inner.code === 'string' || e.name === 'NetworkError') {
    return new ClientError('unavailable', message, [], { cause: err });
  }
  return new ClientError('unknown', message, [], { cause: err });
}

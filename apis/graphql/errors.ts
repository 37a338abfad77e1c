// DomainError -> GraphQL error: one table from the canonical code to extensions.code, and the
// masking rule that keeps every other failure's detail (SQL, stack, paths) off the wire.

import { GraphQLError } from 'graphql';
import { DomainError, type ErrorCode, type FieldViolation } from '../domain/index.ts';

/**
 * extensions.code for each canonical code; null means "never shown to a client": the error is
 * masked as INTERNAL with a generic message, as an unexpected exception would be.
 */
const GRAPHQL_CODES: Record<ErrorCode, string | null> = {
  cancelled: 'CANCELLED',
  unknown: null,
  invalid_argument: 'INVALID_ARGUMENT',
  deadline_exceeded: 'DEADLINE_EXCEEDED',
  not_found: 'NOT_FOUND',
  already_exists: 'ALREADY_EXISTS',
  permission_denied: 'PERMISSION_DENIED',
  resource_exhausted: 'RESOURCE_EXHAUSTED',
  failed_precondition: 'FAILED_PRECONDITION',
  aborted: 'ABORTED',
  out_of_range: 'OUT_OF_RANGE',
  unimplemented: 'UNIMPLEMENTED',
  internal: null,
  unavailable: 'UNAVAILABLE',
  data_loss: null,
  unauthenticated: 'UNAUTHENTICATED',
};

export const INTERNAL_MESSAGE = 'Unexpected error.';

/** Where a GraphQL error points: kept when an error is re-created so clients still see path. */
type Location = Pick<GraphQLError, 'nodes' | 'source' | 'positions' | 'path'>;

function locationOf(error: unknown): Partial<Location> {
  if (!(error instanceof GraphQLError)) return {};
  return { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path };
}

function findDomainError(error: unknown): DomainError | undefined {
  let current: unknown = error;
  // GraphQLError wraps what a resolver threw (sometimes twice: locatedError over a rethrow).
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (current instanceof DomainError) return current;
    current = current instanceof GraphQLError ? current.originalError : undefined;
  }
  return undefined;
}

function createInternalError(location: Partial<Location>): GraphQLError {
  // `unexpected` is yoga's marker (stripped from the response) that turns a data-less
  // result into HTTP 500 instead of 200.
  return new GraphQLError(INTERNAL_MESSAGE, {
    ...location,
    extensions: { code: 'INTERNAL', unexpected: true },
  });
}

/** The client-facing GraphQL error for a DomainError. */
export function toGraphQLError(error: DomainError, location: Partial<Location> = {}): GraphQLError {
  const code = GRAPHQL_CODES[error.code];
  if (code === null) return createInternalError(location);
  const extensions: Record<string, unknown> = { code };
  if (error.fieldViolations.length > 0) {
    extensions.fieldViolations = error.fieldViolations.map((v) => ({
      field: v.field,
      description: v.description,
    }));
  }
  return new GraphQLError(error.message, { ...location, extensions });
}

/**
 * Yoga's maskError hook. GraphQL's own errors (syntax, validation, variable coercion) and
 * errors already translated by the resolvers pass through; a DomainError that escaped the
 * resolvers (a subscription failing mid-stream) is translated; anything else is masked.
 */
export function maskError(error: unknown): Error {
  const domain = findDomainError(error);
  if (domain) return toGraphQLError(domain, locationOf(error));
  if (error instanceof GraphQLError && isOwnGraphQLError(error)) return withoutOriginalError(error);
  return createInternalError(locationOf(error));
}

/**
 * yoga's request-parse errors (invalid JSON body, ...) copy the underlying exception into
 * extensions.originalError, echoing the client's body back; the message and code already say
 * what went wrong. yoga also reads that field when it picks the status: with it, the error's
 * HTTP status holds even for application/json clients (a bad body is 400, not 200).
 * http.spec = false keeps that status once the field is gone.
 */
function withoutOriginalError(error: GraphQLError): GraphQLError {
  if (!error.extensions || !('originalError' in error.extensions)) return error;
  const { originalError: _dropped, ...extensions } = error.extensions;
  if (extensions.http) extensions.http = { ...extensions.http, spec: false };
  return new GraphQLError(error.message, { ...locationOf(error), extensions });
}

function isOwnGraphQLError(error: GraphQLError): boolean {
  const original = error.originalError;
  if (original == null) return true;
  return original instanceof GraphQLError && isOwnGraphQLError(original);
}

/**
 * Rethrows a DomainError as its GraphQL error (so that yoga neither masks nor logs an expected
 * failure such as NOT_FOUND); anything else, internal DomainErrors included, is rethrown as
 * is, for maskError to hide from the client and yoga to log with its cause.
 */
export function rethrowAsGraphQLError(error: unknown): never {
  if (error instanceof DomainError && GRAPHQL_CODES[error.code] !== null) {
    throw toGraphQLError(error);
  }
  throw error;
}

/**
 * Renames the fields of an invalid_argument error from the domain's names to the paths a
 * GraphQL client sent (`priceCents` -> `input.priceCents`, `pageSize` -> `first`).
 */
export function renameViolations(error: unknown, rename: (field: string) => string): unknown {
  if (!(error instanceof DomainError) || error.fieldViolations.length === 0) return error;
  const violations: FieldViolation[] = error.fieldViolations.map((v) => ({
    field: rename(v.field),
    description: v.description,
  }));
  const summary = violations.map((v) => `${v.field}: ${v.description}`).join('; ');
  const message =
    error.code === 'invalid_argument' ? `invalid argument: ${summary}` : error.message;
  return new DomainError(error.code, message, {
    fieldViolations: violations,
    cause: error,
  });
}

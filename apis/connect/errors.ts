// DomainError -> ConnectError: one table from the canonical code to a Connect Code, and
// invalid_argument's field violations as a google.rpc.BadRequest detail with proto field paths.

import { Code, ConnectError } from '@connectrpc/connect';
import { BadRequestSchema } from '../../schemas/gen/es/google/rpc/error_details_pb.ts';
import { DomainError, type ErrorCode, type FieldViolation } from '../domain/index.ts';

const CONNECT_CODES: Record<ErrorCode, Code> = {
  cancelled: Code.Canceled,
  unknown: Code.Unknown,
  invalid_argument: Code.InvalidArgument,
  deadline_exceeded: Code.DeadlineExceeded,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  permission_denied: Code.PermissionDenied,
  resource_exhausted: Code.ResourceExhausted,
  failed_precondition: Code.FailedPrecondition,
  aborted: Code.Aborted,
  out_of_range: Code.OutOfRange,
  unimplemented: Code.Unimplemented,
  internal: Code.Internal,
  unavailable: Code.Unavailable,
  data_loss: Code.DataLoss,
  unauthenticated: Code.Unauthenticated,
};

/** Codes whose message may carry internal detail: the client gets a fixed text instead. */
const MASKED_CODES: ReadonlySet<ErrorCode> = new Set(['internal', 'unknown', 'data_loss']);

/** Renames a domain field path (camelCase, e.g. `priceCents`) to the request's proto path. */
export type FieldPathMapper = (domainPath: string) => string;

/** `reviews[3].bookId` -> `reviews[3].book_id`: proto field names are the snake_case ones. */
export function toSnakeCasePath(path: string): string {
  return path.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A mapper that snake-cases, renames whole segments (`cursor` -> `page_token`) and prefixes. */
export function createFieldPathMapper(
  options: { prefix?: string; rename?: Readonly<Record<string, string>> } = {},
): FieldPathMapper {
  return (domainPath) => {
    const [head = '', ...rest] = domainPath.split('.');
    const renamed = options.rename?.[head] ?? toSnakeCasePath(head);
    const path = [renamed, ...rest.map(toSnakeCasePath)].join('.');
    return `${options.prefix ?? ''}${path}`;
  };
}

/** An InvalidArgument error whose BadRequest detail lists every bad field. */
export function invalidArgumentError(violations: readonly FieldViolation[]): ConnectError {
  const summary = violations.map((v) => `${v.field}: ${v.description}`).join('; ');
  return new ConnectError(`invalid argument: ${summary}`, Code.InvalidArgument, undefined, [
    {
      desc: BadRequestSchema,
      value: {
        fieldViolations: violations.map((v) => ({ field: v.field, description: v.description })),
      },
    },
  ]);
}

/**
 * Why a handler context's signal aborted, as a ConnectError: deadline and shutdown reasons
 * already are (DeadlineExceeded, Unavailable); a client disconnect may carry none or a node
 * socket error, and is a cancellation.
 */
export function abortError(signal: AbortSignal): ConnectError {
  if (signal.reason instanceof ConnectError) return signal.reason;
  return new ConnectError(
    'the call was cancelled',
    Code.Canceled,
    undefined,
    undefined,
    signal.reason,
  );
}

/**
 * Translates anything a handler threw. ConnectErrors (deadline, limits, our own
 * InvalidArgument) pass through; DomainErrors map through the table; anything else becomes
 * Internal with a masked message, the original kept as the cause for the server log.
 */
export function toConnectError(
  err: unknown,
  mapFieldPath: FieldPathMapper = toSnakeCasePath,
  signal?: AbortSignal,
): ConnectError {
  if (err instanceof ConnectError) return err;
  // A broken request stream (ECONNRESET, premature close) after the call was aborted is the
  // abort's consequence, not an internal failure.
  if (signal?.aborted) return abortError(signal);
  const domainError = DomainError.from(err);
  if (domainError.code === 'invalid_argument' && domainError.fieldViolations.length > 0) {
    const error = invalidArgumentError(
      domainError.fieldViolations.map((v) => ({ ...v, field: mapFieldPath(v.field) })),
    );
    error.cause = domainError;
    return error;
  }
  const code = CONNECT_CODES[domainError.code];
  const message = MASKED_CODES.has(domainError.code) ? 'internal error' : domainError.message;
  return new ConnectError(message, code, undefined, undefined, domainError.cause ?? domainError);
}

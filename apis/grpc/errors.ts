// DomainError -> gRPC status: one table for the code, and for INVALID_ARGUMENT the field
// violations as a google.rpc.BadRequest inside google.rpc.Status in the standard
// grpc-status-details-bin trailer (what grpc-go, grpc-java and buf curl read), with the same
// violations summarised in the status message for clients that ignore details.

import * as grpc from '@grpc/grpc-js';
import { google } from '../../schemas/gen/pbjs/library_pb.js';
import { DomainError, type ErrorCode, type FieldViolation } from '../domain/index.ts';

export const GRPC_STATUS: Record<ErrorCode, grpc.status> = {
  cancelled: grpc.status.CANCELLED,
  unknown: grpc.status.UNKNOWN,
  invalid_argument: grpc.status.INVALID_ARGUMENT,
  deadline_exceeded: grpc.status.DEADLINE_EXCEEDED,
  not_found: grpc.status.NOT_FOUND,
  already_exists: grpc.status.ALREADY_EXISTS,
  permission_denied: grpc.status.PERMISSION_DENIED,
  resource_exhausted: grpc.status.RESOURCE_EXHAUSTED,
  failed_precondition: grpc.status.FAILED_PRECONDITION,
  aborted: grpc.status.ABORTED,
  out_of_range: grpc.status.OUT_OF_RANGE,
  unimplemented: grpc.status.UNIMPLEMENTED,
  internal: grpc.status.INTERNAL,
  unavailable: grpc.status.UNAVAILABLE,
  data_loss: grpc.status.DATA_LOSS,
  unauthenticated: grpc.status.UNAUTHENTICATED,
};

export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';
export const BAD_REQUEST_TYPE_URL = 'type.googleapis.com/google.rpc.BadRequest';

/**
 * Violations reported per error. Trailers share the client's metadata limit (grpc-js: 8 KiB by
 * default) and an import of 10,000 bad reviews would exceed it many times over.
 */
export const MAX_REPORTED_VIOLATIONS = 20;

const RENAMED_FIELDS: Record<string, string> = { cursor: 'page_token' };

/** A domain field path (`reviews[3].bookId`, `cursor`) in proto field names. */
export function toWireField(path: string): string {
  return path
    .split('.')
    .map((segment) => {
      const [, name = '', index = ''] = /^([^[]*)(.*)$/.exec(segment) ?? [];
      return `${RENAMED_FIELDS[name] ?? name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}${index}`;
    })
    .join('.');
}

/** Re-throws a domain error of a call whose input sits in a request field (`book.`). */
export function withFieldPrefix<T>(prefix: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof DomainError) || err.fieldViolations.length === 0) throw err;
    throw new DomainError(err.code, err.message, {
      cause: err.cause,
      fieldViolations: err.fieldViolations.map((v) => ({ ...v, field: `${prefix}${v.field}` })),
    });
  }
}

function summarise(violations: readonly FieldViolation[], total: number): string {
  const text = violations.map((v) => `${v.field}: ${v.description}`).join('; ');
  return total > violations.length ? `${text}; and ${total - violations.length} more` : text;
}

/** The status a handler ends with, from anything it threw. */
export function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  const domain = DomainError.from(err);
  const code = GRPC_STATUS[domain.code];
  if (domain.code !== 'invalid_argument' || domain.fieldViolations.length === 0) {
    return { code, details: domain.message };
  }
  const violations = domain.fieldViolations
    .slice(0, MAX_REPORTED_VIOLATIONS)
    .map((v) => ({ field: toWireField(v.field), description: v.description }));
  const details = `invalid argument: ${summarise(violations, domain.fieldViolations.length)}`;
  const status = google.rpc.Status.encode({
    code,
    message: details,
    details: [
      {
        type_url: BAD_REQUEST_TYPE_URL,
        value: google.rpc.BadRequest.encode({ fieldViolations: violations }).finish(),
      },
    ],
  }).finish();
  const metadata = new grpc.Metadata();
  metadata.set(STATUS_DETAILS_KEY, Buffer.from(status.buffer, status.byteOffset, status.length));
  return { code, details, metadata };
}

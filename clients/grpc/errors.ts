// gRPC status -> ClientError: the status code's name is the canonical code, and the field
// violations come from the google.rpc.Status (with a google.rpc.BadRequest detail) that both
// servers put in the grpc-status-details-bin trailer.

import * as grpc from '@grpc/grpc-js';
import { google } from '../../schemas/gen/pbjs/library_pb.js';
import { ClientError } from '../contract.ts';

const STATUS_DETAILS_KEY = 'grpc-status-details-bin';
const BAD_REQUEST_TYPE = 'google.rpc.BadRequest';

type FieldViolation = ClientError['fieldViolations'][number];

function readFieldViolations(metadata: grpc.Metadata | undefined): FieldViolation[] {
  const [details] = metadata?.get(STATUS_DETAILS_KEY) ?? [];
  if (!Buffer.isBuffer(details)) return [];
  try {
    return google.rpc.Status.decode(details)
      .details.filter((any) => any.type_url?.endsWith(`/${BAD_REQUEST_TYPE}`))
      .flatMap((any) => google.rpc.BadRequest.decode(any.value ?? new Uint8Array()).fieldViolations)
      .map((v) => ({ field: v.field ?? '', description: v.description ?? '' }));
  } catch {
    // Undecodable details: the status code and message still say what happened.
    return [];
  }
}

function isStatus(value: unknown): value is grpc.StatusObject {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'number' &&
    typeof (value as { details?: unknown }).details === 'string'
  );
}

/** A grpc-js ServiceError or StatusObject (anything else is 'unknown') -> ClientError. */
export function toClientError(err: unknown): ClientError {
  if (err instanceof ClientError) return err;
  if (!isStatus(err)) {
    const message = err instanceof Error ? err.message : String(err);
    return new ClientError('unknown', message, [], { cause: err });
  }
  const code = (grpc.status[err.code] ?? 'UNKNOWN').toLowerCase();
  return new ClientError(code, err.details, readFieldViolations(err.metadata), { cause: err });
}

// ConnectError -> ClientError: the Code's snake_case name is the canonical code (Canceled is
// spelled 'cancelled', as gRPC and the domain spell it), and field violations come from the
// google.rpc.BadRequest details, which connect-es decodes from any of its three protocols.

import { Code, ConnectError } from '@connectrpc/connect';
import { BadRequestSchema } from '../../schemas/gen/es/google/rpc/error_details_pb.ts';
import { ClientError } from '../contract.ts';

function toCanonicalCode(code: Code): string {
  if (code === Code.Canceled) return 'cancelled';
  return (Code[code] ?? 'Unknown').replace(/[A-Z]/g, (c, at: number) =>
    at === 0 ? c.toLowerCase() : `_${c.toLowerCase()}`,
  );
}

/** Anything a connect-es call threw (a ConnectError, a node socket error) -> ClientError. */
export function toClientError(err: unknown): ClientError {
  if (err instanceof ClientError) return err;
  const error = ConnectError.from(err);
  const fieldViolations = error
    .findDetails(BadRequestSchema)
    .flatMap((detail) => detail.fieldViolations)
    .map((v) => ({ field: v.field, description: v.description }));
  return new ClientError(toCanonicalCode(error.code), error.rawMessage, fieldViolations, {
    cause: err,
  });
}

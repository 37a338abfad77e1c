// One error type for the whole domain. Adapters translate its canonical code with one
// small table each (HTTP status + problem+json, GraphQL extensions, gRPC/Connect codes).

/** Canonical codes, named as gRPC and Connect name them (snake_case). */
export const ERROR_CODES = [
  'cancelled',
  'unknown',
  'invalid_argument',
  'deadline_exceeded',
  'not_found',
  'already_exists',
  'permission_denied',
  'resource_exhausted',
  'failed_precondition',
  'aborted',
  'out_of_range',
  'unimplemented',
  'internal',
  'unavailable',
  'data_loss',
  'unauthenticated',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One bad field: `field` is a path such as `rating` or `reviews[3].rating`. */
export interface FieldViolation {
  field: string;
  description: string;
}

export class DomainError extends Error {
  override name = 'DomainError';
  readonly code: ErrorCode;
  readonly fieldViolations: FieldViolation[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { fieldViolations?: FieldViolation[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.fieldViolations = options.fieldViolations ?? [];
  }

  /**
   * Wraps anything thrown into a DomainError, keeping the cause. Unknown failures become
   * `internal` with a generic message so that no internal detail reaches a client.
   */
  static from(err: unknown): DomainError {
    if (err instanceof DomainError) return err;
    if (err instanceof Error && err.name === 'AbortError') {
      return new DomainError('cancelled', 'the operation was cancelled', { cause: err });
    }
    return new DomainError('internal', 'internal error', { cause: err });
  }
}

export function invalidArgument(violations: FieldViolation[]): DomainError {
  const summary = violations.map((v) => `${v.field}: ${v.description}`).join('; ');
  return new DomainError('invalid_argument', `invalid argument: ${summary}`, {
    fieldViolations: violations,
  });
}

export function notFound(kind: string, id: number | string): DomainError {
  return new DomainError('not_found', `${kind} ${id} not found`);
}

// Errors on the REST wire: the one table from canonical code to HTTP status, and the
// translation of anything thrown (DomainError, validator and body-parser errors, the
// adapter's own limits) into an RFC 9457 problem+json body.

import { DomainError, type ErrorCode, type FieldViolation } from '../domain/index.ts';
import { toWireViolations } from './wire.ts';

/**
 * Canonical code -> HTTP status. failed_precondition is 409 rather than 412: 412 belongs to
 * conditional requests (If-Match), which this API does not have, while 409 says "the state of
 * the resource forbids this". resource_exhausted is 429 by default; size limits that the
 * adapter itself enforces answer 413 instead (see RestError).
 */
export const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  cancelled: 499,
  unknown: 500,
  invalid_argument: 400,
  deadline_exceeded: 504,
  not_found: 404,
  already_exists: 409,
  permission_denied: 403,
  resource_exhausted: 429,
  failed_precondition: 409,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  data_loss: 500,
  unauthenticated: 401,
};

/** A violation on the REST wire: an import line's violations also name the line. */
export interface WireViolation extends FieldViolation {
  line?: number;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: ErrorCode;
  violations?: WireViolation[];
}

/**
 * An error that the adapter raises with its own HTTP status (413 for a body over a limit,
 * 415, 426, ...). Its violations already carry wire names.
 */
export class RestError extends Error {
  override name = 'RestError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly violations: WireViolation[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function problemType(code: ErrorCode): string {
  return `urn:wirebench:problem:${code}`;
}

function titleOf(code: ErrorCode): string {
  const words = code.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function buildProblem(
  status: number,
  code: ErrorCode,
  detail: string,
  violations: readonly WireViolation[] = [],
  instance?: string,
): Problem {
  const problem: Problem = { type: problemType(code), title: titleOf(code), status, code, detail };
  if (instance !== undefined) problem.instance = instance;
  if (violations.length > 0) problem.violations = [...violations];
  return problem;
}

export interface ProblemResponse {
  problem: Problem;
  headers: Record<string, string>;
  /** The error was not one we expected (it deserves a log line with its stack). */
  unexpected: boolean;
}

interface ValidatorErrorItem {
  path?: unknown;
  message?: unknown;
  errorCode?: unknown;
}

function describeValidatorError(e: ValidatorErrorItem): string {
  // Said the way the import and the chat socket say it, whoever found the unknown field.
  if (typeof e.errorCode === 'string' && e.errorCode.startsWith('additionalProperties.')) {
    return 'unknown field';
  }
  return typeof e.message === 'string' ? e.message : 'is invalid';
}

/** express-openapi-validator's HttpError: a status and a list of {path, message}. */
function isValidatorError(
  err: unknown,
): err is Error & { status: number; errors: ValidatorErrorItem[]; headers?: unknown } {
  return (
    err instanceof Error &&
    typeof (err as { status?: unknown }).status === 'number' &&
    Array.isArray((err as { errors?: unknown }).errors)
  );
}

/** body-parser / http-errors: a status and a `type` such as entity.parse.failed. */
function isBodyParserError(err: unknown): err is Error & { status: number; type: string } {
  return (
    err instanceof Error &&
    typeof (err as { status?: unknown }).status === 'number' &&
    typeof (err as { type?: unknown }).type === 'string'
  );
}

/** `/body/tags/2` -> `tags[2]`, `/query/page_size` -> `page_size`. */
function toViolationField(path: string): string {
  const parts = path.split('/').filter((p) => p !== '');
  const [location, ...rest] = parts;
  const segments =
    location && ['body', 'query', 'params', 'headers', 'cookies'].includes(location) ? rest : parts;
  let out = '';
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

function fromValidatorError(
  err: Error & { status: number; errors: ValidatorErrorItem[]; headers?: unknown },
): ProblemResponse {
  const violations = err.errors.map((e) => ({
    field: typeof e.path === 'string' ? toViolationField(e.path) : '',
    description: describeValidatorError(e),
  }));
  const headers: Record<string, string> = {};
  if (err.headers && typeof err.headers === 'object') {
    for (const [k, v] of Object.entries(err.headers)) if (typeof v === 'string') headers[k] = v;
  }
  const byStatus: Record<number, { code: ErrorCode; detail: string }> = {
    400: { code: 'invalid_argument', detail: 'the request does not match the API description' },
    404: { code: 'not_found', detail: 'no such route' },
    405: { code: 'unimplemented', detail: 'this method is not allowed on this route' },
    413: { code: 'resource_exhausted', detail: 'the request body is too large' },
    415: { code: 'invalid_argument', detail: 'unsupported media type' },
  };
  const known = byStatus[err.status];
  if (!known) {
    return {
      problem: buildProblem(500, 'internal', 'internal error'),
      headers: {},
      unexpected: true,
    };
  }
  const summary = violations.map((v) => (v.field ? `${v.field}: ${v.description}` : v.description));
  const detail = err.status === 400 && summary.length > 0 ? summary.join('; ') : known.detail;
  // A 404/405/415 has one "violation" that only repeats the detail: keep it out of the body.
  return {
    problem: buildProblem(err.status, known.code, detail, err.status === 400 ? violations : []),
    headers,
    unexpected: false,
  };
}

function fromBodyParserError(err: Error & { status: number; type: string }): ProblemResponse {
  switch (err.type) {
    case 'entity.parse.failed':
      return {
        problem: buildProblem(400, 'invalid_argument', `malformed JSON: ${err.message}`),
        headers: {},
        unexpected: false,
      };
    case 'entity.too.large':
      return {
        problem: buildProblem(413, 'resource_exhausted', 'the request body is too large'),
        headers: {},
        unexpected: false,
      };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return {
        problem: buildProblem(415, 'invalid_argument', err.message),
        headers: {},
        unexpected: false,
      };
    default:
      if (err.status >= 400 && err.status < 500) {
        return {
          problem: buildProblem(400, 'invalid_argument', err.message),
          headers: {},
          unexpected: false,
        };
      }
      return {
        problem: buildProblem(500, 'internal', 'internal error'),
        headers: {},
        unexpected: true,
      };
  }
}

/** Anything thrown while serving a request -> the problem to send. */
export function toProblemResponse(err: unknown): ProblemResponse {
  if (err instanceof RestError) {
    return {
      problem: buildProblem(err.status, err.code, err.message, err.violations),
      headers: err.headers,
      unexpected: false,
    };
  }
  if (err instanceof DomainError) {
    const status = HTTP_STATUS_BY_CODE[err.code];
    const violations = toWireViolations(err.fieldViolations);
    // The domain's message names fields in camelCase: rebuild it from the wire names.
    let detail =
      violations.length > 0
        ? violations.map((v) => `${v.field}: ${v.description}`).join('; ')
        : err.message;
    // An internal error's message may hold internals (a SQL error, a path): never send it.
    const unexpected = err.code === 'internal' || err.code === 'unknown';
    if (unexpected) detail = 'internal error';
    return {
      problem: buildProblem(status, err.code, detail, violations),
      headers: {},
      unexpected,
    };
  }
  if (isValidatorError(err)) return fromValidatorError(err);
  if (isBodyParserError(err)) return fromBodyParserError(err);
  return {
    problem: buildProblem(500, 'internal', 'internal error'),
    headers: {},
    unexpected: true,
  };
}

// REST failures as ClientError: a problem+json body gives the canonical code and violations
// directly; a body that is not a problem (a proxy's error page) falls back on the HTTP status;
// transport failures (refused, reset, aborted) get the code a gRPC client would report.

import { ClientError } from '../contract.ts';
import { fromWireFieldPath, type WireProblem } from './wire.ts';

/** For a status without a problem body: the code the REST server's own table would give. */
const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  409: 'aborted',
  413: 'resource_exhausted',
  415: 'invalid_argument',
  429: 'resource_exhausted',
  499: 'cancelled',
  501: 'unimplemented',
  503: 'unavailable',
  504: 'deadline_exceeded',
};

function isProblem(body: unknown): body is WireProblem {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { code?: unknown }).code === 'string'
  );
}

export interface ProblemOptions {
  /**
   * The request body was a list sent one item per line (an NDJSON import): violations name a
   * 1-based `line`, which becomes the index of the item, `reviews[3].rating` for line 4.
   */
  listName?: string | undefined;
}

/** A non-2xx response -> ClientError. */
export function fromProblem(
  body: unknown,
  status: number,
  options: ProblemOptions = {},
): ClientError {
  if (!isProblem(body)) {
    const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'unknown');
    const text = typeof body === 'string' && body !== '' ? `: ${body.slice(0, 200)}` : '';
    return new ClientError(code, `HTTP ${status}${text}`);
  }
  const violations = (body.violations ?? []).map((v) => {
    const field = fromWireFieldPath(v.field);
    if (options.listName === undefined || v.line === undefined) {
      return { field, description: v.description };
    }
    const item = `${options.listName}[${v.line - 1}]`;
    return { field: field === '' ? item : `${item}.${field}`, description: v.description };
  });
  return new ClientError(body.code, body.detail ?? body.title, violations);
}

interface ErrorWithCode {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** Codes of undici's errors that mean "no answer in time". */
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Anything a call threw -> ClientError (a ClientError passes through). */
export function toClientError(err: unknown): ClientError {
  if (err instanceof ClientError) return err;
  // fetch wraps the transport error as TypeError('fetch failed', { cause }).
  const e = (err ?? {}) as ErrorWithCode;
  const inner = (
    e.name === 'TypeError' && typeof e.cause === 'object' && e.cause !== null ? e.cause : e
  ) as ErrorWithCode;
  const message = typeof inner.message === 'string' ? inner.message : String(err);
  if (e.name === 'AbortError' || inner.name === 'AbortError' || inner.code === 'UND_ERR_ABORTED') {
    return new ClientError('cancelled', 'the call was cancelled', [], { cause: err });
  }
  if (typeof inner.code === 'string' && TIMEOUT_CODES.has(inner.code)) {
    return new ClientError('deadline_exceeded', message, [], { cause: err });
  }
  if (typeof inner.code === 'string') {
    // ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET (the server dropped the connection), ...
    return new ClientError('unavailable', message, [], { cause: err });
  }
  if (err instanceof SyntaxError) {
    return new ClientError('internal', `the server sent malformed JSON: ${message}`, [], {
      cause: err,
    });
  }
  return new ClientError('unknown', message, [], { cause: err });
}

// The x-store-queries response header: how many store queries a request made, so that N+1
// access is a number a benchmark can read. It is written when the headers go out, so a
// streamed response reports the queries made before its first byte only.

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type QueryCounter, queryScope } from '../domain/index.ts';

export const STORE_QUERIES_HEADER = 'x-store-queries';

const counters = new WeakMap<Response, QueryCounter>();

/** First middleware: gives the request its counter and stamps the header on writeHead. */
export const attachQueryCounter: RequestHandler = (_req: Request, res: Response, next) => {
  const counter: QueryCounter = { count: 0 };
  counters.set(res, counter);
  // Node sends implicit headers through writeHead too, so this sees every response; the
  // same hook as the on-headers package, without the dependency.
  const writeHead = res.writeHead;
  res.writeHead = function patchedWriteHead(this: Response, ...args: unknown[]) {
    if (!this.headersSent) this.setHeader(STORE_QUERIES_HEADER, String(counter.count));
    return Reflect.apply(writeHead, this, args) as Response;
  } as typeof res.writeHead;
  next();
};

/**
 * Runs the rest of the chain inside the request's counting scope. It must come after the
 * body parser and the validator: they resume from stream callbacks, which do not carry the
 * async context, while route handlers (and their awaits) do.
 */
export function runInQueryScope(_req: Request, res: Response, next: NextFunction): void {
  const counter = counters.get(res);
  if (counter) queryScope.run(counter, next);
  else next();
}

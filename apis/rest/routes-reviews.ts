// Reviews: create one, import many from an NDJSON body (client streaming), and watch new ones
// as Server-Sent Events (server streaming).

import type { Request } from 'express';
import { Router } from 'express';
import {
  DomainError,
  LIMITS,
  type Library,
  type NewReview,
  validateNewReview,
} from '../domain/index.ts';
import { type LiveStreams, writeOrWait } from './live-streams.ts';
import { readNdjsonLines } from './ndjson.ts';
import { pathInt, queryInt } from './params.ts';
import { RestError, toProblemResponse, type WireViolation } from './problem.ts';
import { NDJSON } from './routes-catalog.ts';
import { renameWireKeys, toWireFieldPath, toWireReview } from './wire.ts';

export interface ReviewsOptions {
  importMaxBytes: number;
  importMaxLineBytes: number;
  heartbeatMs: number;
}

const IMPORT_LINE_FIELDS = {
  book_id: 'bookId',
  reviewer: 'reviewer',
  rating: 'rating',
  body: 'body',
} as const;

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Checks one import line: JSON syntax, then unknown fields, then the domain's rules. */
function parseImportLine(text: string): { review?: NewReview; violations: WireViolation[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'syntax error';
    return { violations: [{ field: '', description: `malformed JSON: ${reason}` }] };
  }
  if (!isRecord(value)) {
    return { violations: [{ field: '', description: 'must be a JSON object' }] };
  }
  const { value: renamed, unknown } = renameWireKeys(value, IMPORT_LINE_FIELDS);
  // body may be left out, as in the single-review create.
  const candidate = { body: '', ...renamed };
  const violations: WireViolation[] = [
    ...unknown,
    ...validateNewReview(candidate).map((v) => ({
      field: toWireFieldPath(v.field),
      description: v.description,
    })),
  ];
  if (violations.length > 0) return { violations };
  return { review: candidate as NewReview, violations };
}

function isNdjson(req: Request): boolean {
  return typeof req.is(NDJSON) === 'string';
}

/** `reviews[3].bookId` from the domain -> line of the 4th good review, field `book_id`. */
function toLineViolations(err: DomainError, lineOf: readonly number[]): WireViolation[] {
  return err.fieldViolations.map((v) => {
    const m = /^reviews\[(\d+)\](?:\.(.*))?$/.exec(v.field);
    const line = m ? lineOf[Number(m[1])] : undefined;
    const field = toWireFieldPath(m ? (m[2] ?? '') : v.field);
    return line === undefined
      ? { field, description: v.description }
      : { field, description: v.description, line };
  });
}

function invalidLines(violations: WireViolation[], lines: number): RestError {
  const bad = new Set(violations.map((v) => v.line)).size;
  return new RestError(
    400,
    'invalid_argument',
    `${bad} of ${lines} lines are invalid; nothing was imported`,
    violations,
  );
}

export function buildReviewsRouter(
  library: Library,
  streams: LiveStreams,
  options: ReviewsOptions,
): Router {
  const router = Router();

  router.post('/v1/books/:id/reviews', (req, res) => {
    const bookId = pathInt(req, 'id');
    const body = req.body as Record<string, unknown>;
    const review = library.createReview({
      bookId,
      reviewer: body.reviewer as string,
      rating: body.rating as number,
      body: (body.body as string | undefined) ?? '',
    });
    res.status(201).json(toWireReview(review));
  });

  router.post('/v1/reviews/import', async (req, res) => {
    if (!isNdjson(req)) {
      req.resume();
      throw new RestError(
        415,
        'invalid_argument',
        `an import body must be ${NDJSON} (one review per line)`,
      );
    }
    const reviews: NewReview[] = [];
    const lineOf: number[] = [];
    const violations: WireViolation[] = [];
    let lines = 0;
    try {
      for await (const line of readNdjsonLines(req, {
        maxBytes: options.importMaxBytes,
        maxLineBytes: options.importMaxLineBytes,
      })) {
        if (!line.tooLong && line.text.trim() === '') continue;
        lines++;
        if (lines > LIMITS.importMax) {
          throw new RestError(
            413,
            'resource_exhausted',
            `an import may hold at most ${LIMITS.importMax} reviews`,
          );
        }
        if (line.tooLong) {
          violations.push({
            line: line.line,
            field: '',
            description: `the line is longer than ${options.importMaxLineBytes} bytes`,
          });
          continue;
        }
        const parsed = parseImportLine(line.text);
        if (parsed.review) {
          reviews.push(parsed.review);
          lineOf.push(line.line);
        } else {
          for (const v of parsed.violations) violations.push({ line: line.line, ...v });
        }
      }
    } catch (err) {
      // Stopped before the end of the body: read the rest off the socket (and drop it) so
      // that the client, still sending, gets to read the answer.
      req.resume();
      if (err instanceof RestError) res.setHeader('connection', 'close');
      throw err;
    }
    if (violations.length > 0) {
      // The domain would name unknown books only once every line is otherwise good; one more
      // query makes this answer complete, so a client fixes its file in one round.
      const ids = [...new Set(reviews.map((r) => r.bookId))];
      const books = ids.length > 0 ? library.getBooks(ids) : [];
      const found = new Set(books.flatMap((b) => (b ? [b.id] : [])));
      reviews.forEach((r, i) => {
        if (!found.has(r.bookId)) {
          violations.push({
            line: lineOf[i] ?? 0,
            field: 'book_id',
            description: `book ${r.bookId} does not exist`,
          });
        }
      });
      violations.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
      throw invalidLines(violations, lines);
    }
    let imported: number;
    try {
      imported = library.importReviews(reviews).length;
    } catch (err) {
      if (err instanceof DomainError && err.code === 'invalid_argument') {
        throw invalidLines(toLineViolations(err, lineOf), lines);
      }
      if (err instanceof DomainError && err.code === 'resource_exhausted') {
        throw new RestError(413, 'resource_exhausted', err.message);
      }
      throw err;
    }
    res.status(200).json({ imported });
  });

  router.get('/v1/reviews/events', async (req, res) => {
    const bookId = queryInt(req, 'book_id');
    // SSE framing is four line types; a library would add a dependency for what the
    // few writes below do, and hide the backpressure handling this workbench measures.
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // Tells nginx-like proxies not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.write(': subscribed\n\n');
    await streams.run(res, async (signal) => {
      // Subscribed before this tick ends, so no review created after the client has seen
      // the headers can be missed.
      const reviews = library.events.subscribeReviews({ bookId, signal });
      const heartbeat = setInterval(() => {
        res.write(': keep-alive\n\n');
      }, options.heartbeatMs);
      try {
        for await (const review of reviews) {
          const data = JSON.stringify(toWireReview(review));
          const frame = `event: review\nid: ${review.id}\ndata: ${data}\n\n`;
          if (!(await writeOrWait(res, frame, signal))) break;
        }
      } catch (err) {
        // A subscriber that fell too far behind is cut off: say why, then end.
        const { problem } = toProblemResponse(DomainError.from(err));
        if (!res.writableEnded && !signal.aborted) {
          res.write(`event: error\ndata: ${JSON.stringify(problem)}\n\n`);
        }
      } finally {
        clearInterval(heartbeat);
        await reviews.return?.();
      }
    });
    if (!res.writableEnded) res.end();
  });

  return router;
}

// The large payload: every book as one JSON document, or as an NDJSON stream read from the
// store chunk by chunk and written with backpressure.

import { Router } from 'express';
import type { Library } from '../domain/index.ts';
import { type LiveStreams, writeOrWait } from './live-streams.ts';
import { queryString } from './params.ts';
import { toWireBook } from './wire.ts';

export const NDJSON = 'application/x-ndjson';

// Lines are gathered into writes of about this size: one chunk (and one chunked-encoding
// frame) per book would cost 10k syscalls for the default catalog.
const FLUSH_BYTES = 64 * 1024;

export function buildCatalogRouter(library: Library, streams: LiveStreams): Router {
  const router = Router();

  router.get('/v1/catalog', async (req, res) => {
    const format = queryString(req, 'format');
    const ndjson =
      format === 'ndjson' ||
      (format === undefined && req.accepts(['application/json', NDJSON]) === NDJSON);
    res.vary('Accept');
    if (!ndjson) {
      res.json({ books: library.exportCatalog().map(toWireBook) });
      return;
    }
    res.status(200).type(NDJSON);
    res.flushHeaders();
    let complete = false;
    await streams.run(res, async (signal) => {
      let pending = '';
      // for...of closes the generator (and so the store iteration) on every early exit.
      for (const book of library.iterateCatalog()) {
        if (signal.aborted) return;
        pending += `${JSON.stringify(toWireBook(book))}\n`;
        if (pending.length >= FLUSH_BYTES) {
          const chunk = pending;
          pending = '';
          if (!(await writeOrWait(res, chunk, signal))) return;
        }
      }
      if (pending && !(await writeOrWait(res, pending, signal))) return;
      complete = true;
      res.end();
    });
    // Cut short (client gone, or shutdown): a clean end would pass a truncated catalog off as
    // a whole one, so the connection is dropped and the client sees an incomplete response.
    if (!complete) res.destroy();
  });

  return router;
}

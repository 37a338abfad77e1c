import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Book } from '../domain/index.ts';
import { fetchJson, type StartedServer, startTestServer, storeQueries } from './test-server.ts';
import { toWireBook, type WireBook } from './wire.ts';

function parseNdjson(text: string): unknown[] {
  assert.ok(text.endsWith('\n'), 'every line ends with a newline');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

describe('the catalog export', () => {
  let srv: StartedServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv.close();
  });

  test('one JSON document holds every book in id order, read in one query', async () => {
    const res = await fetchJson(`${srv.base}/v1/catalog`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(storeQueries(res.headers), 1);
    const books = (res.body as { books: WireBook[] }).books;
    assert.equal(books.length, 200);
    assert.deepEqual(books, srv.library.exportCatalog().map(toWireBook));
  });

  test('NDJSON (by Accept or by ?format) gives the same books, one per line', async () => {
    const json = (await fetchJson(`${srv.base}/v1/catalog`)).body as { books: WireBook[] };
    const byAccept = await fetch(`${srv.base}/v1/catalog`, {
      headers: { accept: 'application/x-ndjson' },
    });
    assert.equal(byAccept.status, 200);
    assert.equal(byAccept.headers.get('content-type'), 'application/x-ndjson');
    assert.match(byAccept.headers.get('vary') ?? '', /Accept/);
    assert.deepEqual(parseNdjson(await byAccept.text()), json.books);

    const byQuery = await fetch(`${srv.base}/v1/catalog?format=ndjson`);
    assert.deepEqual(parseNdjson(await byQuery.text()), json.books);

    const forced = await fetchJson(`${srv.base}/v1/catalog?format=json`, {
      headers: { accept: 'application/x-ndjson' },
    });
    assert.deepEqual(forced.body, json);
  });

  test('the NDJSON stream waits for a slow client and stops when it goes away', {
    timeout: 30_000,
  }, async () => {
    const sample = srv.library.getBook(1);
    const total = 100_000;
    let produced = 0;
    let finished = false;
    const original = srv.library.iterateCatalog;
    // A catalog far larger than the socket buffers: without backpressure the server would
    // read all of it while the client reads nothing.
    srv.library.iterateCatalog = function* (): Generator<Book> {
      try {
        for (let i = 1; i <= total; i++) {
          produced++;
          yield { ...sample, id: i };
        }
      } finally {
        finished = true;
      }
    };
    try {
      const req = http.get(`${srv.base}/v1/catalog?format=ndjson`);
      const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
      assert.equal(res.statusCode, 200);
      res.pause();
      // Wait until the server stops producing: it is blocked on 'drain'.
      let last = -1;
      while (produced !== last) {
        last = produced;
        await sleep(100);
      }
      assert.ok(produced < total, `the server read ${produced} of ${total} books unasked`);
      assert.equal(finished, false);
      req.destroy();
      while (!finished) await sleep(10);
      assert.ok(produced < total);
    } finally {
      srv.library.iterateCatalog = original;
    }
    // The server is still fine.
    assert.equal((await fetchJson(`${srv.base}/v1/books/1`)).status, 200);
  });
});

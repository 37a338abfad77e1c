// The grpc-js server as tools see it: server reflection and interop with an independent
// implementation (buf curl, connect-go underneath), the standard health service, the
// per-connection stream limit and shutdown.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { google, type library as pb } from '../../schemas/gen/pbjs/library_pb.js';
import { type Harness, headersOf, startHarness, waitFor } from './test-support.ts';

const BUF = fileURLToPath(new URL('../../node_modules/.bin/buf', import.meta.url));

let h: Harness;

before(async () => {
  h = await startHarness();
});

after(async () => {
  await h.close();
});

/** buf curl over gRPC (HTTP/2 cleartext) with the schema from server reflection. */
async function bufCurl(
  args: string[],
  input?: string,
): Promise<{ stdout: string; stderr: string; code: number }> {
  const child = execFile(
    BUF,
    ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', '--timeout', '20s', ...args],
    { encoding: 'utf8' },
  );
  if (input !== undefined) child.stdin?.end(input);
  else child.stdin?.end();
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: string) => {
    stdout += c;
  });
  child.stderr?.on('data', (c: string) => {
    stderr += c;
  });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  return { stdout, stderr, code };
}

/** buf curl prints each response message as a JSON document, one after the other. */
function parseJsonStream(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
  }
  return out;
}

describe('server reflection and buf curl interop', () => {
  const url = (method = '') =>
    `http://${h.address}${method ? `/library.v1.LibraryService/${method}` : ''}`;

  test('reflection lists LibraryService', async () => {
    const { stdout, code } = await bufCurl(['--list-services', url()]);
    assert.equal(code, 0);
    assert.deepEqual(stdout.trim().split('\n'), ['library.v1.LibraryService']);
  });

  test('reflection lists every RPC of the contract', async () => {
    const { stdout } = await bufCurl(['--list-methods', url()]);
    assert.deepEqual(stdout.trim().split('\n'), [
      'library.v1.LibraryService/Chat',
      'library.v1.LibraryService/CreateBook',
      'library.v1.LibraryService/CreateReview',
      'library.v1.LibraryService/DeleteBook',
      'library.v1.LibraryService/ExportCatalog',
      'library.v1.LibraryService/GetAuthorTree',
      'library.v1.LibraryService/GetBook',
      'library.v1.LibraryService/ImportReviews',
      'library.v1.LibraryService/ListAuthorBooks',
      'library.v1.LibraryService/ListAuthors',
      'library.v1.LibraryService/ListBookReviews',
      'library.v1.LibraryService/ListBooks',
      'library.v1.LibraryService/StreamCatalog',
      'library.v1.LibraryService/UpdateBook',
      'library.v1.LibraryService/WatchReviews',
    ]);
  });

  test('a unary call from buf curl returns the domain book in proto JSON', async () => {
    const { stdout, code } = await bufCurl(['--emit-defaults', '-d', '{"id": 3}', url('GetBook')]);
    assert.equal(code, 0);
    const book = h.library.getBook(3);
    const { id, genre, publishedAt, ...rest } = book;
    assert.deepEqual(JSON.parse(stdout), {
      book: {
        id,
        ...rest,
        genre: `GENRE_${genre.toUpperCase()}`,
        // proto JSON drops zero milliseconds; the domain keeps them
        publishedAt: publishedAt.replace('.000Z', 'Z'),
      },
    });
  });

  test('buf curl reads the status and the google.rpc.BadRequest detail', async () => {
    const { stderr, code } = await bufCurl(['-d', '{"pageSize": 500}', url('ListBooks')]);
    assert.notEqual(code, 0);
    const error = JSON.parse(stderr) as {
      code: string;
      message: string;
      details: { type: string; value: string }[];
    };
    assert.equal(error.code, 'invalid_argument');
    assert.equal(error.message, 'invalid argument: page_size: must be between 1 and 100');
    assert.deepEqual(
      error.details.map((d) => d.type),
      ['google.rpc.BadRequest'],
    );
    const detail = google.rpc.BadRequest.decode(
      Buffer.from(error.details[0]?.value ?? '', 'base64'),
    );
    assert.deepEqual(google.rpc.BadRequest.toObject(detail), {
      fieldViolations: [{ field: 'page_size', description: 'must be between 1 and 100' }],
    });
  });

  test('a server stream and a client stream from buf curl', async () => {
    const stream = await bufCurl(['-d', '{"chunkSize": 150}', url('StreamCatalog')]);
    assert.equal(stream.code, 0);
    const chunks = parseJsonStream(stream.stdout) as { books: { id: number }[] }[];
    assert.deepEqual(
      chunks.map((c) => c.books.length),
      [150, 50],
    );
    assert.deepEqual(
      chunks.flatMap((c) => c.books.map((b) => b.id)),
      h.library.exportCatalog().map((b) => b.id),
    );

    const before = h.library.countReviews();
    const upload = await bufCurl(
      ['-d', '@-', url('ImportReviews')],
      '{"review": {"bookId": 5, "reviewer": "curl", "rating": 4}}\n' +
        '{"review": {"bookId": 6, "reviewer": "curl", "rating": 3, "body": "ok"}}\n',
    );
    assert.equal(upload.code, 0);
    assert.deepEqual(JSON.parse(upload.stdout), { importedCount: 2 });
    assert.equal(h.library.countReviews(), before + 2);
  });
});

describe('health', () => {
  test('the standard health service reports SERVING for the server and LibraryService', async () => {
    const client = new grpc.Client(h.address, grpc.credentials.createInsecure());
    const method = healthService.Check;
    assert.ok(method);
    try {
      const check = (service: string) =>
        new Promise<unknown>((resolve, reject) => {
          client.makeUnaryRequest(
            method.path,
            method.requestSerialize,
            method.responseDeserialize,
            { service },
            (err, res) => (err ? reject(err) : resolve(res)),
          );
        });
      assert.deepEqual(await check(''), { status: 'SERVING' });
      assert.deepEqual(await check('library.v1.LibraryService'), { status: 'SERVING' });
      await assert.rejects(check('no.such.Service'), { code: grpc.status.NOT_FOUND });
    } finally {
      client.close();
    }
  });
});

describe('limits and shutdown', () => {
  test('max_concurrent_streams holds further streams of a connection back', async () => {
    const limited = await startHarness({ library: h.library, server: { maxConcurrentStreams: 2 } });
    try {
      // Two calls fill the connection: an upload the client half-closes when it chooses, and a
      // watch. A second watch follows them on the same connection.
      let upload!: grpc.ClientWritableStream<pb.v1.IImportReviewsRequest>;
      const uploaded = new Promise<pb.v1.ImportReviewsResponse>((resolve, reject) => {
        upload = limited.client.importReviews((err, res) => (err ? reject(err) : resolve(res!)));
      });
      const watches = [1, 2].map(() => limited.client.watchReviews({}));
      const errors = watches.map(
        (s) => new Promise<grpc.ServiceError>((resolve) => s.on('error', resolve)),
      );
      let thirdStarted = false;
      const thirdHeaders = headersOf(watches[1]!);
      // Awaited below; handled here so that an earlier failure is the one reported.
      thirdHeaders.then(
        () => {
          thirdStarted = true;
        },
        () => {},
      );
      uploaded.catch(() => {});
      await headersOf(watches[0]!);
      await waitFor(() => limited.server.activeStreams() >= 2, 'two streams');
      // The third is queued by the client's HTTP/2 session, not refused.
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(limited.server.activeStreams(), 2);
      assert.equal(thirdStarted, false);
      // It starts once a call of the connection has finished (the upload, answered by the
      // server). A slot freed by a client's cancel differs on Node 24: see GRPC_LIMITS.
      upload.end();
      assert.equal((await uploaded).importedCount, 0);
      await thirdHeaders;
      assert.equal(limited.server.activeStreams(), 2);
      for (const w of watches) w.cancel();
      for (const e of errors) assert.equal((await e).code, grpc.status.CANCELLED);
      await waitFor(() => limited.server.activeStreams() === 0, 'every stream to stop');
    } finally {
      await limited.close();
    }
  });

  test('close() reports NOT_SERVING, then cancels the streams still open after the grace period', async () => {
    const own = await startHarness({ library: h.library });
    const watch = own.client.watchReviews({});
    const ended = new Promise<grpc.ServiceError>((resolve) => watch.on('error', resolve));
    await headersOf(watch);
    await own.server.close({ graceMs: 50 });
    const err = await ended;
    assert.ok(
      [grpc.status.CANCELLED, grpc.status.UNAVAILABLE].includes(err.code),
      `got ${grpc.status[err.code]}`,
    );
    await waitFor(() => own.server.activeStreams() === 0, 'the watch to stop');
    assert.equal(h.library.events.subscriberCount(), 0);
    await own.close();
  });
});

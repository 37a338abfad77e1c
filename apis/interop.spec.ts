// Interop with an independent implementation: buf curl (connect-go underneath) calls the grpc-js
// server and both connect-node servers with the gRPC, gRPC-Web and Connect protocols. Over
// HTTP/2 it learns the schema from server reflection; over HTTP/1.1 reflection cannot work (a
// bidi stream), so it reads the schema from schemas/proto instead.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildConnectH2Server, type ConnectH2Server } from './connect/index.ts';
import { type Book, Library } from './domain/index.ts';
import { buildGrpcServer, type GrpcServer } from './grpc/index.ts';
import { buildHttpServer, type HttpServer } from './http-server.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUF = `${REPO_ROOT}node_modules/.bin/buf`;
const SERVICE = 'library.v1.LibraryService';
/** What buf curl exits with when an RPC fails: the gRPC code shifted three bits left. */
const EXIT_NOT_FOUND = 5 << 3;

const METHODS = [
  'Chat',
  'CreateBook',
  'CreateReview',
  'DeleteBook',
  'ExportCatalog',
  'GetAuthorTree',
  'GetBook',
  'ImportReviews',
  'ListAuthorBooks',
  'ListAuthors',
  'ListBookReviews',
  'ListBooks',
  'StreamCatalog',
  'UpdateBook',
  'WatchReviews',
].map((m) => `${SERVICE}/${m}`);

let library: Library;
let grpcServer: GrpcServer;
let h2Server: ConnectH2Server;
let httpServer: HttpServer;
const urls = { grpcJs: '', h2: '', h1: '' };
const children = new Set<ChildProcess>();

before(async () => {
  library = Library.open({ scale: 'small' });
  grpcServer = buildGrpcServer(library, { onInternalError: () => {} });
  h2Server = buildConnectH2Server(library);
  httpServer = buildHttpServer(library);
  const [grpcPort, h2Port, h1Port] = await Promise.all([
    grpcServer.listen('127.0.0.1', 0),
    h2Server.listen(0),
    httpServer.listen(0),
  ]);
  urls.grpcJs = `http://127.0.0.1:${grpcPort}`;
  urls.h2 = `http://127.0.0.1:${h2Port}`;
  urls.h1 = `http://127.0.0.1:${h1Port}`;
});

after(async () => {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }
  await Promise.all([
    grpcServer.close({ graceMs: 0 }),
    h2Server.close({ graceMs: 500 }),
    httpServer.close({ graceMs: 500 }),
  ]);
  library.close();
});

interface CurlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `buf curl ARGS`, with `input` on stdin (for `-d @-`); killed if it outlives 30 s. */
function bufCurl(args: readonly string[], input = ''): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(BUF, ['curl', '--timeout', '20s', ...args], {
      cwd: REPO_ROOT,
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** buf curl pretty-prints each response message; top-level braces sit in column 0. */
function parseMessages(stdout: string): unknown[] {
  const text = stdout.trim();
  return text === '' ? [] : (JSON.parse(`[${text.replace(/\n}\n{/g, '\n},\n{')}]`) as unknown[]);
}

/** A domain book as proto JSON prints it (enum names, Timestamp without zero fractions). */
function toProtoJson(book: Book): Record<string, unknown> {
  return {
    ...book,
    genre: `GENRE_${book.genre.toUpperCase()}`,
    publishedAt: new Date(book.publishedAt).toISOString().replace('.000Z', 'Z'),
  };
}

interface Target {
  name: string;
  /** The server's base URL, read when a test runs (the ports are bound in before()). */
  url: () => string;
  /** buf curl flags choosing the protocol, the HTTP version and where the schema comes from. */
  flags: string[];
  /** Bidi needs HTTP/2; the HTTP/1.1 server cannot serve it to any client. */
  bidi: boolean;
}

const H2 = ['--http2-prior-knowledge'];
const SCHEMA = ['--schema', 'schemas/proto'];

const TARGETS: Target[] = [
  {
    name: 'grpc to grpc-js (reflection)',
    url: () => urls.grpcJs,
    flags: ['--protocol', 'grpc', ...H2],
    bidi: true,
  },
  {
    name: 'grpc to connect-node HTTP/2 (reflection)',
    url: () => urls.h2,
    flags: ['--protocol', 'grpc', ...H2],
    bidi: true,
  },
  {
    name: 'grpcweb to connect-node HTTP/2 (reflection)',
    url: () => urls.h2,
    flags: ['--protocol', 'grpcweb', ...H2],
    bidi: true,
  },
  {
    name: 'connect to connect-node HTTP/2 (reflection)',
    url: () => urls.h2,
    flags: ['--protocol', 'connect', ...H2],
    bidi: true,
  },
  // node:http cannot speak h2c, so a call that succeeds here went over HTTP/1.1.
  {
    name: 'grpcweb to connect-node HTTP/1.1 (--schema)',
    url: () => urls.h1,
    flags: ['--protocol', 'grpcweb', ...SCHEMA],
    bidi: false,
  },
  {
    name: 'connect to connect-node HTTP/1.1 (--schema)',
    url: () => urls.h1,
    flags: ['--protocol', 'connect', ...SCHEMA],
    bidi: false,
  },
];

for (const target of TARGETS) {
  describe(`buf curl: ${target.name}`, () => {
    const call = (method: string, args: string[], input?: string) =>
      bufCurl([...target.flags, ...args, `${target.url()}/${SERVICE}/${method}`], input);

    test('a unary GetBook returns the domain book', async () => {
      const { code, stdout, stderr } = await call('GetBook', ['--emit-defaults', '-d', '{"id":7}']);
      assert.equal(code, 0, stderr);
      assert.deepEqual(JSON.parse(stdout), { book: toProtoJson(library.getBook(7)) });
    });

    test('StreamCatalog streams the whole catalog in chunks', async () => {
      const { code, stdout, stderr } = await call('StreamCatalog', ['-d', '{"chunkSize":64}']);
      assert.equal(code, 0, stderr);
      const chunks = parseMessages(stdout) as { books: { id: number }[] }[];
      const catalog = library.exportCatalog().map((b) => b.id);
      assert.equal(catalog.length, 200);
      assert.deepEqual(
        chunks.map((c) => c.books.length),
        [64, 64, 64, 8],
      );
      assert.deepEqual(
        chunks.flatMap((c) => c.books.map((b) => b.id)),
        catalog,
      );
    });

    test('ImportReviews imports every message of a client stream', async () => {
      const before = library.countReviews();
      const reviewer = `buf curl ${target.name}`;
      const input = [3, 4, 5]
        .map((bookId) => JSON.stringify({ review: { bookId, reviewer, rating: 4, body: 'ok' } }))
        .join('\n');
      const { code, stdout, stderr } = await call('ImportReviews', ['-d', '@-'], input);
      assert.equal(code, 0, stderr);
      assert.deepEqual(JSON.parse(stdout), { importedCount: 3 });
      assert.equal(library.countReviews(), before + 3);
    });

    test('GetBook of an unknown id fails with not_found', async () => {
      const { code, stdout, stderr } = await call('GetBook', ['-d', '{"id":999999}']);
      assert.equal(code, EXIT_NOT_FOUND);
      assert.equal(stdout, '');
      assert.deepEqual(JSON.parse(stderr), {
        code: 'not_found',
        message: 'book 999999 not found',
      });
    });

    if (target.bidi) {
      test('Chat echoes the client its own messages (bidi)', async () => {
        const sender = target.name;
        const input = ['hello', 'again']
          .map((text) => JSON.stringify({ room: 'interop', sender, text }))
          .join('\n');
        const { code, stdout, stderr } = await call('Chat', ['-d', '@-'], input);
        assert.equal(code, 0, stderr);
        const messages = parseMessages(stdout) as { message: Record<string, string> }[];
        assert.deepEqual(
          messages.map(({ message: { room, sender, text } }) => ({ room, sender, text })),
          [
            { room: 'interop', sender, text: 'hello' },
            { room: 'interop', sender, text: 'again' },
          ],
        );
      });
    }
  });
}

describe('buf curl: server reflection on the connect-node HTTP/2 server', () => {
  for (const protocol of ['grpc', 'grpcweb', 'connect']) {
    test(`--list-methods over ${protocol} lists the 15 LibraryService methods`, async () => {
      const { code, stdout, stderr } = await bufCurl([
        '--protocol',
        protocol,
        ...H2,
        '--list-methods',
        urls.h2,
      ]);
      assert.equal(code, 0, stderr);
      assert.deepEqual(stdout.trim().split('\n'), METHODS);
    });
  }

  test('--reflect-protocol grpc-v1alpha lists the service through v1alpha', async () => {
    const { code, stdout, stderr } = await bufCurl([
      '--protocol',
      'connect',
      ...H2,
      '--reflect-protocol',
      'grpc-v1alpha',
      '--list-services',
      urls.h2,
    ]);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, `${SERVICE}\n`);
  });
});

describe('buf curl: the HTTP/1.1 server', () => {
  // node:http answers the h2c preface with 400 and closes the socket. Whether buf curl then
  // fails reading (UNAVAILABLE) or writing (a broken pipe, CANCELED) is a race.
  test('reflection fails there: buf curl forces h2c, which node:http cannot parse', async () => {
    const { code, stdout, stderr } = await bufCurl([
      '--protocol',
      'connect',
      '-d',
      '{"id":7}',
      `${urls.h1}/${SERVICE}/GetBook`,
    ]);
    // Below 8: buf curl reports it as its own failure, not as the RPC's status.
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^Failure: /);
  });

  test('bidi fails there even with --schema: buf curl forces h2c', async () => {
    const { code, stderr } = await bufCurl(
      ['--protocol', 'connect', ...SCHEMA, '-d', '@-', `${urls.h1}/${SERVICE}/Chat`],
      '{"room": "interop", "sender": "h1", "text": "hello"}',
    );
    const error = JSON.parse(stderr) as { code: string };
    const exits: Record<string, number> = { canceled: 1 << 3, unavailable: 14 << 3 };
    assert.ok(error.code in exits, stderr);
    assert.equal(code, exits[error.code]);
  });
});

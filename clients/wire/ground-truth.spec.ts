// The byte counts checked against counts nobody here computed: curl's own size_* figures for
// HTTP/1.1 and the frames nghttp (nghttp2's client) prints for HTTP/2, each run through a tap
// in front of the real servers. The server is a child process, so its socket counters cannot be
// read from here; and the tap alone would only check the parsers against the tap. curl and
// nghttp count what their own HTTP stacks wrote and read, which is the independent count.

import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type ServerProcess, startServerProcess } from '../server-process.ts';
import { clippedLength, isUnitEvent, WireAnalyzer, type WireWindow } from './analyzer.ts';
import { startWireTap, WireRecording, type WireTap } from './tap.ts';
import { envelope, layerSum } from './test-support.ts';
import type { Http2FrameEvent } from './types.ts';

const run = promisify(execFile);

function installed(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// On a developer machine without nghttp the HTTP/2 half is skipped with a note; in CI a missing
// tool is a failure (.ci/run installs nghttp2-client).
const missing = (command: string, pkg: string): string | false =>
  installed(command) || process.env.CI
    ? false
    : `${command} not installed (apt-get install ${pkg})`;

const GET_BOOK = '/library.v1.LibraryService/GetBook';
const STREAM_CATALOG = '/library.v1.LibraryService/StreamCatalog';

describe('wire accounting against independent counts', () => {
  let server: ServerProcess;
  let recording: WireRecording;
  let analyzer: WireAnalyzer;
  let taps: { http: WireTap; h2: WireTap; grpc: WireTap };
  let dir: string;

  before(async () => {
    server = await startServerProcess({ scale: 'small' });
    recording = new WireRecording();
    analyzer = new WireAnalyzer();
    const target = (port: number | undefined) => ({ host: '127.0.0.1', port: port ?? 0 });
    taps = {
      http: await startWireTap({ target: target(server.ports.http), recording }),
      h2: await startWireTap({ target: target(server.ports.h2), recording }),
      grpc: await startWireTap({ target: target(server.ports.grpc), recording }),
    };
    dir = mkdtempSync(join(tmpdir(), 'wirebench-wire-'));
  });

  after(async () => {
    await Promise.all(Object.values(taps ?? {}).map((tap) => tap.close()));
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs a client process through the taps and returns the window of its traffic. */
  async function observe(
    command: string,
    args: string[],
  ): Promise<{ stdout: string; window: WireWindow }> {
    const mark = recording.mark();
    analyzer.ingest(recording.since(mark));
    analyzer.cut();
    const { stdout } = await run(command, args, { maxBuffer: 64 * 1024 * 1024 });
    // The process has exited; wait until the tap has seen its connection close.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('connection did not close')), 5_000);
      const check = () => {
        const records = recording.since(mark);
        const opened = records.filter((r) => r.kind === 'open').map((r) => r.conn);
        const closed = new Set(records.filter((r) => r.kind === 'close').map((r) => r.conn));
        if (opened.length > 0 && opened.every((c) => closed.has(c))) {
          clearTimeout(timer);
          stop();
          resolve();
        }
      };
      const stop = recording.onRecord(check);
      check();
    });
    analyzer.ingest(recording.since(mark));
    const window = analyzer.cut();
    recording.discard(recording.mark());
    assert.deepEqual(window.errors, []);
    for (const side of ['request', 'response'] as const) {
      assert.equal(window[side].unparsed, 0);
      assert.equal(
        layerSum(window, side),
        window[side].raw,
        `${side}: layers add up to the raw bytes`,
      );
    }
    return { stdout, window };
  }

  describe('HTTP/1.1: curl -w size_request, size_upload, size_header, size_download', {
    skip: missing('curl', 'curl'),
  }, () => {
    const format = '%{size_request} %{size_upload} %{size_header} %{size_download}';

    async function curl(path: string, extra: string[] = []) {
      const url = `http://127.0.0.1:${taps.http.port}${path}`;
      const { stdout, window } = await observe('curl', [
        '-s',
        '-o',
        '/dev/null',
        '-w',
        format,
        ...extra,
        url,
      ]);
      const [request, upload, header, download] = stdout.trim().split(' ').map(Number) as [
        number,
        number,
        number,
        number,
      ];
      // What chunked encoding added: chunk-size lines, CRLFs and the last chunk. curl's
      // size_download counts the body after de-chunking.
      let chunking = 0;
      for (const event of window.events) {
        if (event.dir !== 'response') continue;
        if (event.kind === 'http1-chunk') chunking += event.length - event.size;
        if (event.kind === 'http1-last-chunk') chunking += event.length;
      }
      // size_request is everything curl sent (head and body), size_upload the body alone.
      assert.equal(window.request.raw, request, 'request bytes = size_request');
      assert.equal(
        window.request.raw - window.request.layers.headers,
        upload,
        'request body = size_upload',
      );
      assert.equal(window.response.layers.headers, header, 'response head = size_header');
      assert.equal(
        window.response.raw - header - chunking,
        download,
        'response body = size_download',
      );
      assert.equal(window.httpRequests, 1);
      return { window, chunking, download };
    }

    it('matches a REST GET with a content-length body', async () => {
      const { window, chunking } = await curl('/v1/books/1');
      assert.equal(chunking, 0);
      assert.equal(window.response.layers.framing, 0);
      assert.equal(window.response.messages, 1);
    });

    it('matches a REST error (problem+json)', async () => {
      const { window } = await curl('/v1/books/987654');
      const head = window.events.find((e) => e.kind === 'http1-head' && e.role === 'response');
      assert.equal(head?.kind === 'http1-head' && head.startLine, 'HTTP/1.1 404 Not Found');
    });

    it('matches a chunked NDJSON stream, chunk lines apart', async () => {
      const { window, chunking, download } = await curl('/v1/catalog?format=ndjson');
      assert.ok(chunking > 0);
      assert.equal(window.response.messages, 200);
      // Inside the de-chunked body, each line's newline is NDJSON framing.
      assert.equal(window.response.layers.body + 200, download);
      assert.equal(window.response.layers.framing, chunking + 200);
    });

    it('matches a GraphQL POST', async () => {
      const { window } = await curl('/graphql', [
        '-H',
        'content-type: application/json',
        '--data-binary',
        '{"query":"{ book(id: 1) { id title author { name } } }"}',
      ]);
      assert.equal(window.request.layers.body, 56);
      assert.equal(window.request.messages, 1);
    });

    it('matches a Connect unary POST and a gRPC-Web POST over HTTP/1.1', async () => {
      await curl(GET_BOOK, ['-H', 'content-type: application/json', '--data-binary', '{"id":1}']);
      const file = join(dir, 'get-book.bin');
      writeFileSync(file, envelope(0, Buffer.from([0x08, 0x01])));
      const { window } = await curl(GET_BOOK, [
        '-H',
        'content-type: application/grpc-web+proto',
        '-H',
        'x-grpc-web: 1',
        '--data-binary',
        `@${file}`,
      ]);
      assert.equal(window.request.layers.framing, 5);
      assert.equal(window.request.layers.body, 2);
      assert.ok(window.response.layers.trailers > 0, 'the gRPC-Web trailer frame');
    });
  });

  describe('HTTP/2: the frames nghttp -v prints', {
    skip: missing('nghttp', 'nghttp2-client'),
  }, () => {
    interface PrintedFrame {
      dir: 'request' | 'response';
      type: string;
      length: number;
      flags: number;
      streamId: number;
    }

    function parseNghttp(stdout: string): PrintedFrame[] {
      const frames: PrintedFrame[] = [];
      const line =
        /^\[\s*[\d.]+\] (send|recv) (\w+) frame <length=(\d+), flags=0x([0-9a-f]+), stream_id=(\d+)>/;
      for (const text of stdout.split('\n')) {
        const m = line.exec(text);
        if (!m) continue;
        frames.push({
          dir: m[1] === 'send' ? 'request' : 'response',
          type: m[2] as string,
          length: Number(m[3]),
          flags: Number.parseInt(m[4] as string, 16),
          streamId: Number(m[5]),
        });
      }
      return frames;
    }

    async function nghttp(port: number, path: string, body: Buffer, contentType: string) {
      const file = join(dir, 'body.bin');
      writeFileSync(file, body);
      const { stdout, window } = await observe('nghttp', [
        '-v',
        '-n',
        '-H',
        ':method: POST',
        '-H',
        `content-type: ${contentType}`,
        '-H',
        'te: trailers',
        '-d',
        file,
        `http://127.0.0.1:${port}${path}`,
      ]);
      const printed = parseNghttp(stdout);
      const found = window.events.filter((e): e is Http2FrameEvent => e.kind === 'h2-frame');
      const view = (f: PrintedFrame) =>
        `${f.dir} ${f.type} len=${f.length} flags=${f.flags} stream=${f.streamId}`;
      for (const side of ['request', 'response'] as const) {
        // nghttp exits without printing what arrives after its own GOAWAY; the tap saw it.
        const ours = found
          .filter((f) => f.dir === side)
          .map((f) => ({
            dir: side,
            type: f.typeName,
            length: f.payloadLength,
            flags: f.flags,
            streamId: f.streamId,
          }));
        const theirs = printed.filter((f) => f.dir === side);
        assert.ok(theirs.length > 0);
        assert.deepEqual(ours.slice(0, theirs.length).map(view), theirs.map(view), side);
        for (const extra of ours.slice(theirs.length))
          assert.equal(extra.type, 'GOAWAY', view(extra));
      }
      // And the bytes: the preface plus 9 + length per frame is every byte the tap carried.
      const units = window.events.filter(isUnitEvent);
      for (const side of ['request', 'response'] as const) {
        const framed = found
          .filter((f) => f.dir === side)
          .reduce((n, f) => n + 9 + f.payloadLength, 0);
        assert.equal(framed + (side === 'request' ? 24 : 0), window[side].raw, side);
        assert.equal(
          units.filter((u) => u.dir === side).reduce((n, u) => n + clippedLength(u, window), 0),
          window[side].raw,
        );
      }
      return { window, printed };
    }

    it('matches a Connect unary call on connect-node', async () => {
      const { window } = await nghttp(
        taps.h2.port,
        GET_BOOK,
        Buffer.from('{"id":1}'),
        'application/json',
      );
      assert.equal(window.streams, 1);
      assert.equal(window.request.layers.body, 8);
      assert.equal(window.response.messages, 1);
      assert.equal(window.response.layers.trailers, 0);
    });

    it('matches a gRPC call on grpc-js, trailers included', async () => {
      const { window } = await nghttp(
        taps.grpc.port,
        GET_BOOK,
        envelope(0, Buffer.from([0x08, 0x01])),
        'application/grpc',
      );
      const trailers = window.events.find(
        (e) => e.kind === 'h2-frame' && e.block?.role === 'trailers',
      ) as Http2FrameEvent | undefined;
      assert.deepEqual(
        trailers?.block?.fields.find(([n]) => n === 'grpc-status'),
        ['grpc-status', '0'],
      );
      assert.equal(window.response.layers.trailers, trailers?.block?.encodedSize);
      assert.equal(
        window.request.layers.framing,
        9 + 9 + 5 + 5,
        'HEADERS + DATA frame headers, priority, envelope',
      );
    });

    it('matches a gRPC server stream on connect-node with flow control', async () => {
      const { window, printed } = await nghttp(
        taps.h2.port,
        STREAM_CATALOG,
        envelope(0, Buffer.from([0x08, 50])),
        'application/grpc',
      );
      assert.equal(window.response.messages, 4, '200 books in chunks of 50');
      assert.ok(printed.some((f) => f.type === 'WINDOW_UPDATE'));
      assert.ok(window.request.layers.connection > 24);
    });
  });
});

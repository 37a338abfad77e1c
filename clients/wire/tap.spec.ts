// The tap forwards faithfully (both ways, half-close, large transfers with backpressure) and
// records exactly what the client's own socket counted.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Agent, createServer as createHttpServer, request, type Server } from 'node:http';
import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startWireTap, type WireTap } from './tap.ts';

function portOf(server: Server | NetServer): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function sha(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('WireTap', () => {
  let http: Server;
  let echo: NetServer;
  let httpTap: WireTap;
  let echoTap: WireTap;
  const echoSockets = new Set<Socket>();

  before(async () => {
    http = createHttpServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (part: Buffer) => parts.push(part));
      req.on('end', () => {
        const body = Buffer.concat(parts);
        res.setHeader('content-type', 'text/plain');
        res.end(`got ${body.length} bytes for ${req.url}`);
      });
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    // Echoes everything, and answers a half-close with "bye" before closing its side.
    echo = createServer({ allowHalfOpen: true }, (socket) => {
      echoSockets.add(socket);
      socket.on('close', () => echoSockets.delete(socket));
      socket.on('data', (data: Buffer) => socket.write(data));
      socket.on('end', () => socket.end('bye'));
    });
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    httpTap = await startWireTap({ target: { host: '127.0.0.1', port: portOf(http) } });
    echoTap = await startWireTap({ target: { host: '127.0.0.1', port: portOf(echo) } });
  });

  after(async () => {
    await httpTap.close();
    await echoTap.close();
    http.closeAllConnections();
    http.close();
    for (const socket of echoSockets) socket.destroy();
    echo.close();
  });

  it('records per direction exactly the bytes the client socket wrote and read', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const mark = httpTap.mark();
    let socket: Socket | undefined;
    const call = (path: string, body: string) =>
      new Promise<string>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: httpTap.port, path, method: 'POST', agent },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              text += chunk;
            });
            res.on('end', () => resolve(text));
          },
        );
        req.on('socket', (s: Socket) => {
          socket = s;
        });
        req.on('error', reject);
        req.end(body);
      });
    assert.equal(await call('/one', 'x'.repeat(1000)), 'got 1000 bytes for /one');
    assert.equal(await call('/two', 'y'.repeat(10)), 'got 10 bytes for /two');
    const since = httpTap.since(mark);
    assert.equal(since.connections.length, 1, 'keep-alive reuses one connection');
    const sum = (dir: 'request' | 'response') =>
      since.chunks.filter((c) => c.dir === dir).reduce((n, c) => n + c.bytes.length, 0);
    assert.ok(socket);
    assert.equal(sum('request'), socket.bytesWritten);
    assert.equal(sum('response'), socket.bytesRead);
    // Offsets are contiguous per direction and timestamps never go back.
    for (const dir of ['request', 'response'] as const) {
      let offset = 0;
      for (const chunk of since.chunks.filter((c) => c.dir === dir)) {
        assert.equal(chunk.offset, offset);
        offset += chunk.bytes.length;
      }
    }
    const times = since.records.map((r) => r.at);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    agent.destroy();
  });

  it('carries a large transfer both ways intact and forwards a half-close', async () => {
    const payload = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    const mark = echoTap.mark();
    const socket = connect({ host: '127.0.0.1', port: echoTap.port, allowHalfOpen: true });
    const received: Buffer[] = [];
    socket.on('data', (data: Buffer) => {
      received.push(data);
      // A slow reader: backpressure has to travel back through the tap to the echo server.
      socket.pause();
      setImmediate(() => socket.resume());
    });
    const ended = once(socket, 'end');
    socket.end(payload);
    await ended;
    socket.destroy();
    const all = Buffer.concat(received);
    assert.equal(all.length, payload.length + 3);
    assert.equal(sha(all.subarray(0, payload.length)), sha(payload));
    assert.equal(all.subarray(payload.length).toString(), 'bye');
    const since = echoTap.since(mark);
    const request = Buffer.concat(
      since.chunks.filter((c) => c.dir === 'request').map((c) => c.bytes),
    );
    assert.equal(sha(request), sha(payload));
    assert.deepEqual(
      since.records.filter((r) => r.kind === 'end').map((r) => r.kind === 'end' && r.dir),
      ['request', 'response'],
    );
  });

  it('stops recording when switched off, still counting totals, and records new connections when back on', async () => {
    const roundTrip = async (text: string) => {
      const socket = connect({ host: '127.0.0.1', port: echoTap.port, allowHalfOpen: true });
      socket.end(text);
      const parts: Buffer[] = [];
      socket.on('data', (d: Buffer) => parts.push(d));
      await once(socket, 'end');
      socket.destroy();
      return Buffer.concat(parts).toString();
    };
    const before = { ...echoTap.totals };
    echoTap.recording.recording = false;
    const mark = echoTap.mark();
    assert.equal(await roundTrip('quiet'), 'quietbye');
    assert.equal(echoTap.since(mark).records.length, 0);
    assert.equal(echoTap.totals.request - before.request, 5);
    assert.equal(echoTap.totals.response - before.response, 8);
    echoTap.recording.recording = true;
    assert.equal(await roundTrip('loud'), 'loudbye');
    const since = echoTap.since(mark);
    assert.equal(since.connections.length, 1);
    assert.equal(
      Buffer.concat(since.chunks.filter((c) => c.dir === 'request').map((c) => c.bytes)).toString(),
      'loud',
    );
  });

  it('destroys every connection on close', async () => {
    const tap = await startWireTap({ target: { host: '127.0.0.1', port: portOf(echo) } });
    const socket = connect({ host: '127.0.0.1', port: tap.port });
    socket.write('hello');
    await once(socket, 'data');
    const closed = once(socket, 'close');
    await tap.close();
    await closed;
    assert.equal(socket.destroyed, true);
  });
});

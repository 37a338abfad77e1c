import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { after, afterEach, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { fetchJson, jsonInit, type StartedServer, startTestServer } from './test-server.ts';

/** A client socket whose incoming frames queue up until a test takes them. */
interface Client {
  ws: WebSocket;
  next(): Promise<Record<string, unknown>>;
  /** Frames received and not yet taken. */
  pending(): number;
}

async function connect(base: string, room: string): Promise<Client> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/chat/${room}`);
  const queue: Record<string, unknown>[] = [];
  const waiters: ((m: Record<string, unknown>) => void)[] = [];
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  await once(ws, 'open');
  return {
    ws,
    next: () => {
      const queued = queue.shift();
      return queued ? Promise.resolve(queued) : new Promise((resolve) => waiters.push(resolve));
    },
    pending: () => queue.length,
  };
}

describe('the chat room over WebSocket and HTTP', () => {
  let srv: StartedServer;
  const clients: Client[] = [];
  before(async () => {
    srv = await startTestServer();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) {
      if (c.ws.readyState !== WebSocket.CLOSED) {
        c.ws.close();
        await once(c.ws, 'close');
      }
    }
  });
  after(async () => {
    await srv.close();
  });

  async function join(room: string): Promise<Client> {
    const client = await connect(srv.base, room);
    clients.push(client);
    return client;
  }

  test('a message sent on one socket reaches every socket in the room, sender included', async () => {
    const ann = await join('club');
    const bob = await join('club');
    const eve = await join('other-room');
    ann.ws.send(JSON.stringify({ sender: 'ann', text: 'Has anyone finished chapter 3?' }));
    const [toAnn, toBob] = await Promise.all([ann.next(), bob.next()]);
    assert.deepEqual(toBob, toAnn);
    assert.deepEqual(
      { ...toBob, sent_at: '' },
      { room: 'club', sender: 'ann', text: 'Has anyone finished chapter 3?', sent_at: '' },
    );
    assert.ok(!Number.isNaN(Date.parse(String(toBob.sent_at))));
    // eve's first message is the one of her own room: nothing leaked from 'club'.
    eve.ws.send(JSON.stringify({ sender: 'eve', text: 'hello?' }));
    assert.deepEqual((await eve.next()).room, 'other-room');
    assert.equal(ann.pending() + bob.pending(), 0);
  });

  test('POST /v1/chat/{room}/messages reaches the sockets of the room', async () => {
    const ann = await join('club');
    const res = await fetchJson(
      `${srv.base}/v1/chat/club/messages`,
      jsonInit('POST', { sender: 'http', text: 'posted over HTTP' }),
    );
    assert.equal(res.status, 201);
    const got = await ann.next();
    assert.deepEqual(got, res.body);
    assert.equal(got.text, 'posted over HTTP');
  });

  test('bad frames get an error frame and the socket stays open', async () => {
    const ann = await join('club');
    const cases: [string | Buffer, string][] = [
      ['not json', 'invalid_argument'],
      [JSON.stringify({ sender: 'ann', text: 'x', colour: 'red' }), 'invalid_argument'],
      [JSON.stringify({ sender: 'ann', text: '' }), 'invalid_argument'],
      [JSON.stringify({ sender: 'ann', text: 7 }), 'invalid_argument'],
      [JSON.stringify(['sender', 'text']), 'invalid_argument'],
      [Buffer.from([1, 2, 3]), 'invalid_argument'],
    ];
    for (const [frame, code] of cases) {
      ann.ws.send(frame);
      const reply = await ann.next();
      assert.equal(reply.code, code, String(frame));
      assert.equal(typeof reply.message, 'string');
    }
    const unknown = await (async () => {
      ann.ws.send(JSON.stringify({ sender: 'ann', text: 'x', colour: 'red' }));
      return ann.next();
    })();
    assert.deepEqual(unknown.violations, [{ field: 'colour', description: 'unknown field' }]);
    const empty = await (async () => {
      ann.ws.send(JSON.stringify({ sender: 'ann', text: '' }));
      return ann.next();
    })();
    assert.deepEqual(
      (empty.violations as { field: string }[]).map((v) => v.field),
      ['text'],
    );
    ann.ws.send(JSON.stringify({ sender: 'ann', text: 'still here' }));
    assert.equal((await ann.next()).text, 'still here');
    assert.equal(ann.ws.readyState, WebSocket.OPEN);
  });

  test('a bad room name refuses the upgrade with a 400 problem', async () => {
    const ws = new WebSocket(`${srv.base.replace('http', 'ws')}/v1/chat/Not%20A%20Room`);
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
    assert.equal(res.statusCode, 400);
    assert.equal(res.headers['content-type'], 'application/problem+json');
    let text = '';
    for await (const chunk of res) text += String(chunk);
    const body = JSON.parse(text) as { code: string };
    assert.equal(body.code, 'invalid_argument');
    // With an 'unexpected-response' listener the client must abort the attempt itself.
    ws.on('error', () => {});
    ws.terminate();

    const post = await fetchJson(
      `${srv.base}/v1/chat/Not%20A%20Room/messages`,
      jsonInit('POST', { sender: 'a', text: 'b' }),
    );
    assert.equal(post.status, 400);
    assert.equal((post.body as { code: string }).code, 'invalid_argument');
  });

  test('an upgrade on another path is not taken', async () => {
    assert.equal(
      srv.api.handleUpgrade({ url: '/graphql' } as IncomingMessage, null as never, Buffer.alloc(0)),
      false,
    );
    const ws = new WebSocket(`${srv.base.replace('http', 'ws')}/v1/books`);
    const [err] = (await once(ws, 'error')) as [Error];
    assert.match(err.message, /socket hang up|ECONNRESET/);
  });

  test('a plain GET on the socket path says to upgrade (426)', async () => {
    const res = await fetchJson(`${srv.base}/v1/chat/club`);
    assert.equal(res.status, 426);
    assert.equal(res.headers.get('upgrade'), 'websocket');
  });

  test('close() closes every socket with 1001 going away', async () => {
    const other = await startTestServer();
    try {
      const a = await connect(other.base, 'club');
      const b = await connect(other.base, 'club');
      const closed = Promise.all([once(a.ws, 'close'), once(b.ws, 'close')]);
      await other.api.close();
      const codes = (await closed).map(([code]) => code as number);
      assert.deepEqual(codes, [1001, 1001]);
      assert.equal(other.library.events.subscriberCount(), 0);
    } finally {
      await other.close();
    }
  });
});

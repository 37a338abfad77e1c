// The bidirectional pattern: a book-club room as a WebSocket at /v1/chat/{room}. Each socket
// posts through the library and receives every message of its room from the event bus, so
// messages posted over HTTP or any other protocol reach it too.

import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import {
  type ChatMessage,
  DomainError,
  type FieldViolation,
  isValidRoom,
  type Library,
  type NewChatMessage,
} from '../domain/index.ts';
import { buildProblem } from './problem.ts';
import type { RestLogger } from './types.ts';
import { renameWireKeys, toWireChatMessage, toWireViolations } from './wire.ts';

const CHAT_PATH = /^\/v1\/chat\/([^/]+)$/;
// Close codes (RFC 6455 and the IANA registry).
const GOING_AWAY = 1001;
const INTERNAL_ERROR = 1011;
const TRY_AGAIN_LATER = 1013;
// A chat frame is a sender and at most 2,000 characters of text: 64 KiB is generous.
const MAX_FRAME_BYTES = 64 * 1024;
const CLOSE_GRACE_MS = 2_000;

const FRAME_FIELDS = { sender: 'sender', text: 'text' } as const;

export interface ChatErrorFrame {
  code: string;
  message: string;
  violations?: FieldViolation[];
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The room named by a chat path (maybe invalid); undefined for any other path. */
export function matchChatPath(url: string | undefined): { room: string } | undefined {
  const path = new URL(url ?? '/', 'http://localhost').pathname;
  const m = CHAT_PATH.exec(path);
  if (!m) return undefined;
  try {
    return { room: decodeURIComponent(m[1] ?? '') };
  } catch {
    return { room: '' };
  }
}

function rejectUpgrade(socket: Duplex, status: number, detail: string, instance: string): void {
  const code = status === 400 ? 'invalid_argument' : 'unavailable';
  const body = JSON.stringify(buildProblem(status, code, detail, [], instance));
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'connection: close\r\n' +
      'content-type: application/problem+json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export class ChatSockets {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  private readonly sockets = new Map<WebSocket, AbortController>();
  private closed = false;

  constructor(
    private readonly library: Library,
    private readonly logger: RestLogger,
  ) {}

  /** Takes the upgrade when the path is a chat room; false leaves it to someone else. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const match = matchChatPath(req.url);
    if (!match) return false;
    const instance = req.url ?? '';
    if (this.closed) {
      rejectUpgrade(socket, 503, 'the server is shutting down', instance);
    } else if (!isValidRoom(match.room)) {
      rejectUpgrade(
        socket,
        400,
        'room: must be 1 to 64 lowercase letters, digits, - or _',
        instance,
      );
    } else {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, match.room));
    }
    return true;
  }

  private accept(ws: WebSocket, room: string): void {
    const controller = new AbortController();
    this.sockets.set(ws, controller);
    // Subscribed synchronously, before the client can see the 101: nothing posted after the
    // client's 'open' can be missed.
    const messages = this.library.events.subscribeChat(room, { signal: controller.signal });
    ws.on('message', (data, isBinary) => this.onFrame(ws, room, data, isBinary));
    ws.on('error', (err) => this.logger.warn({ err, room }, 'chat socket error'));
    ws.on('close', () => {
      controller.abort();
      this.sockets.delete(ws);
    });
    void this.forward(ws, messages);
  }

  private async forward(
    ws: WebSocket,
    messages: AsyncIterableIterator<ChatMessage>,
  ): Promise<void> {
    try {
      for await (const message of messages) {
        if (ws.readyState !== WebSocket.OPEN) break;
        // One frame at a time: a client that does not read lets the bus queue grow until the
        // domain cuts it off (resource_exhausted), instead of the socket buffer growing.
        await new Promise<void>((resolve, reject) => {
          ws.send(JSON.stringify(toWireChatMessage(message)), (err) =>
            err ? reject(err) : resolve(),
          );
        });
      }
      if (ws.readyState === WebSocket.OPEN) ws.close(GOING_AWAY, 'the room was closed');
    } catch (err) {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (err instanceof DomainError && err.code === 'resource_exhausted') {
        ws.close(TRY_AGAIN_LATER, 'fell too far behind');
      } else {
        this.logger.error({ err }, 'chat socket failed');
        ws.close(INTERNAL_ERROR, 'internal error');
      }
    } finally {
      await messages.return?.();
    }
  }

  private onFrame(ws: WebSocket, room: string, data: RawData, isBinary: boolean): void {
    const fail = (code: string, message: string, violations: FieldViolation[] = []) => {
      const frame: ChatErrorFrame = { code, message };
      if (violations.length > 0) frame.violations = violations;
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
    };
    if (isBinary) {
      fail('invalid_argument', 'frames must be text: a JSON object {"sender", "text"}');
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(data.toString());
    } catch (err) {
      fail('invalid_argument', `malformed JSON: ${err instanceof Error ? err.message : ''}`);
      return;
    }
    if (!isRecord(value)) {
      fail('invalid_argument', 'a frame must be a JSON object {"sender", "text"}');
      return;
    }
    const { value: fields, unknown } = renameWireKeys(value, FRAME_FIELDS);
    if (unknown.length > 0) {
      fail('invalid_argument', 'the frame has unknown fields', unknown);
      return;
    }
    try {
      this.library.postChatMessage({ ...fields, room } as NewChatMessage);
    } catch (err) {
      const e = DomainError.from(err);
      if (e.code === 'internal') {
        this.logger.error({ err }, 'posting a chat message failed');
        fail('internal', 'internal error');
        return;
      }
      const violations = toWireViolations(e.fieldViolations);
      const message = violations.map((v) => `${v.field}: ${v.description}`).join('; ');
      fail(e.code, message || e.message, violations);
    }
  }

  /** Closes every socket (1001 going away), terminating those that do not answer in time. */
  async close(): Promise<void> {
    this.closed = true;
    const closing = [...this.sockets].map(([ws, controller]) => {
      controller.abort();
      if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
        ws.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        ws.close(GOING_AWAY, 'server shutting down');
      });
    });
    await Promise.all(closing);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

// The chat room over a WebSocket (`ws`): JSON text frames {sender, text} out, ChatMessage
// frames in; an error frame {code, message, violations} from the server ends the message
// stream with that ClientError.

import { on } from 'node:events';
import { type RawData, WebSocket } from 'ws';
import { type ChatMessage, type ChatSession, ClientError } from '../contract.ts';
import { fromProblem } from './errors.ts';
import { fromWireChatMessage, type WireChatMessage } from './wire.ts';

const NORMAL_CLOSURE = 1000;

interface ErrorFrame {
  code: string;
  message: string;
  violations?: { field: string; description: string }[];
}

function isErrorFrame(frame: object): frame is ErrorFrame {
  return typeof (frame as { code?: unknown }).code === 'string';
}

/**
 * ws reports a refused upgrade as an Error "Unexpected server response: 400"; its problem
 * body is not read (that would need an 'unexpected-response' handler that takes the
 * handshake over), so the status gives the code.
 */
function toChatError(err: unknown): ClientError {
  if (err instanceof ClientError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const refused = /Unexpected server response: (\d+)/.exec(message);
  if (refused) {
    return fromProblem(undefined, Number(refused[1]));
  }
  return new ClientError('unavailable', message, [], { cause: err });
}

export function openChatSocket(httpBase: string, room: string): ChatSession {
  const url = new URL(`/v1/chat/${encodeURIComponent(room)}`, httpBase);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url);
  // Listening from the start: frames that arrive before anyone iterates are queued, not lost.
  const frames = on(ws, 'message', { close: ['close'] }) as AsyncIterableIterator<
    [RawData, boolean]
  >;

  // The server subscribes the socket to the room before it answers 101: open means joined.
  const ready = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', (err) => reject(toChatError(err)));
    ws.once('close', () => reject(new ClientError('unavailable', 'the chat socket closed')));
  });
  ready.catch(() => {});

  async function* readMessages(): AsyncGenerator<ChatMessage> {
    try {
      for await (const [data] of frames) {
        const frame = JSON.parse(data.toString()) as WireChatMessage | ErrorFrame;
        if (isErrorFrame(frame)) {
          throw new ClientError(frame.code, frame.message, frame.violations ?? []);
        }
        yield fromWireChatMessage(frame);
      }
    } catch (err) {
      throw toChatError(err);
    } finally {
      if (ws.readyState === WebSocket.OPEN) ws.close(NORMAL_CLOSURE);
    }
  }

  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));

  return {
    ready,
    async send(sender, text) {
      await ready;
      await new Promise<void>((resolve, reject) => {
        ws.send(JSON.stringify({ sender, text }), (err) =>
          err ? reject(toChatError(err)) : resolve(),
        );
      });
    },
    messages: readMessages(),
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(NORMAL_CLOSURE);
      await closed;
    },
  };
}

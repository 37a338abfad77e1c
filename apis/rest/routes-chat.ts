// Chat over plain HTTP: post a message, and tell a GET without an upgrade where to go.

import { Router } from 'express';
import type { Library } from '../domain/index.ts';
import { pathString } from './params.ts';
import { RestError } from './problem.ts';
import { toWireChatMessage } from './wire.ts';

export function buildChatRouter(library: Library): Router {
  const router = Router();

  router.post('/v1/chat/:room/messages', (req, res) => {
    const body = req.body as { sender?: unknown; text?: unknown };
    const message = library.postChatMessage({
      room: pathString(req, 'room'),
      sender: body.sender as string,
      text: body.text as string,
    });
    res.status(201).json(toWireChatMessage(message));
  });

  return router;
}

/** GET /v1/chat/{room} that did not ask for a WebSocket (mounted before the validator). */
export function buildChatUpgradeHintRouter(): Router {
  const router = Router();
  router.get('/v1/chat/:room', () => {
    throw new RestError(
      426,
      'failed_precondition',
      'this is a WebSocket endpoint: connect with an HTTP/1.1 Upgrade: websocket request',
      [],
      { upgrade: 'websocket', connection: 'Upgrade' },
    );
  });
  return router;
}

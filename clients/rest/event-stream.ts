// A Server-Sent Events response as a Subscription: the request starts at once (so that `ready`
// can resolve before anyone iterates), the body is parsed with eventsource-parser as it
// arrives, and cancel() aborts the request.

import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Subscription } from '../contract.ts';
import { toClientError } from './errors.ts';

export interface EventStreamOptions<T> {
  /** Sends the request; resolves with the body once the response headers are in. */
  open(signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
  /** One event -> a value to yield, undefined to skip it; throws to end the stream. */
  decode(event: EventSourceMessage): T | undefined;
  /** Any of these aborting cancels the stream (the caller's, the client's own close()). */
  signals?: readonly AbortSignal[] | undefined;
}

export function subscribeEventStream<T>(options: EventStreamOptions<T>): Subscription<T> {
  const controller = new AbortController();
  const cancel = () => controller.abort();
  const signals = options.signals ?? [];
  for (const signal of signals) {
    if (signal.aborted) cancel();
    else signal.addEventListener('abort', cancel, { once: true });
  }

  const body = options.open(controller.signal);
  // The REST server subscribes before it sends the headers (and then the `: subscribed`
  // comment), so headers in means that every later event reaches this stream.
  const ready = body.then(
    () => undefined,
    (err: unknown) => {
      throw toClientError(err);
    },
  );
  // Whoever awaits ready sees the failure; iteration reports it too. Without this, a caller
  // that only iterates would crash the process with an unhandled rejection.
  ready.catch(() => {});

  async function* iterate(): AsyncGenerator<T> {
    const pending: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (event) => pending.push(event) });
    const decoder = new TextDecoder();
    // The abort cancels the reader, which settles a pending read at once: undici's fetch does
    // not always error a body that has chunks queued when its signal aborts (seen with ten
    // subscribers and a few thousand events), and a read that never settled kept the stream,
    // its connection and the server's subscription open. Cancelling closes the connection.
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    const stop = () => {
      reader?.cancel().catch(() => {});
    };
    controller.signal.addEventListener('abort', stop, { once: true });
    try {
      reader = (await body).getReader();
      for (;;) {
        if (controller.signal.aborted) return;
        const next = await reader.read();
        if (next.done) break;
        parser.feed(decoder.decode(next.value, { stream: true }));
        for (const event of pending.splice(0)) {
          const value = options.decode(event);
          if (value !== undefined) yield value;
          if (controller.signal.aborted) return;
        }
      }
    } catch (err) {
      if (controller.signal.aborted) return;
      throw toClientError(err);
    } finally {
      // Also when the consumer stops early: the connection must not stay open.
      cancel();
      stop();
      controller.signal.removeEventListener('abort', stop);
      for (const signal of signals) signal.removeEventListener('abort', cancel);
    }
  }

  const events = iterate();
  return { ready, cancel, [Symbol.asyncIterator]: () => events };
}

// A Server-Sent Events response as a Subscription: the request starts at once (so that `ready`
// can resolve before anyone iterates), the body is parsed with eventsource-parser as it
// arrives, and cancel() aborts the request.

import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Subscription } from '../contract.ts';
import { toClientError } from './errors.ts';

export interface EventStreamOptions<T> {
  /** Sends the request; resolves with the body once the response headers are in. */
  open(signal: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
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
    // Each read races the abort: undici's fetch does not always error a body that has
    // chunks queued when its signal aborts (seen with ten subscribers and a few thousand
    // events), and a read that never settles would keep the stream, its connection and the
    // server's subscription open. Returning the iterator cancels the body, which closes the
    // connection.
    const aborted = new Promise<'aborted'>((resolve) => {
      if (controller.signal.aborted) resolve('aborted');
      else controller.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    let chunks: AsyncIterator<Uint8Array> | undefined;
    try {
      chunks = (await body)[Symbol.asyncIterator]();
      for (;;) {
        const next = await Promise.race([chunks.next(), aborted]);
        if (next === 'aborted' || next.done) break;
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
      chunks?.return?.().catch(() => {});
      for (const signal of signals) signal.removeEventListener('abort', cancel);
    }
  }

  const events = iterate();
  return { ready, cancel, [Symbol.asyncIterator]: () => events };
}

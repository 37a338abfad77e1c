// One GraphQL subscription over graphql-sse as a Subscription: results are queued from the
// moment of subscribing (so none is lost before someone iterates), `ready` resolves when the
// server has answered the SSE request, and a result with errors ends the stream with them.

import type { Client, ExecutionResult } from 'graphql-sse';
import { ClientError, type Subscription } from '../contract.ts';
import { fromGraphQLErrors, toClientError, type WireGraphQLError } from './errors.ts';

export interface SubscribeOptions<Data, T> {
  query: string;
  variables?: Record<string, unknown> | undefined;
  /** One result's data -> the value to yield. */
  pick(data: Data): T;
  /** Any of these aborting cancels the subscription (the caller's, the client's close()). */
  signals?: readonly AbortSignal[] | undefined;
}

export function subscribe<Data, T>(
  sse: Client,
  options: SubscribeOptions<Data, T>,
): Subscription<T> {
  const queue: T[] = [];
  let failure: ClientError | undefined;
  let done = false;
  let wake: (() => void) | undefined;
  let connected = false;
  let settleReady: { resolve(): void; reject(err: ClientError): void } | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    settleReady = { resolve, reject };
  });
  // Whoever awaits ready sees a failure; iteration reports it too.
  ready.catch(() => {});

  const finish = (err?: ClientError) => {
    if (done) return;
    done = true;
    failure = err;
    dispose();
    if (!connected) {
      settleReady?.reject(
        err ?? new ClientError('cancelled', 'the subscription ended before it started'),
      );
    }
    wake?.();
  };

  const dispose = sse.subscribe<Data>(
    { query: options.query, variables: options.variables },
    {
      next(result: ExecutionResult<Data, unknown>) {
        if (done) return;
        if (result.errors && result.errors.length > 0) {
          finish(fromGraphQLErrors(result.errors as readonly WireGraphQLError[]));
        } else if (result.data != null) {
          queue.push(options.pick(result.data));
          wake?.();
        }
      },
      error: (err: unknown) => finish(toClientError(err)),
      complete: () => finish(),
    },
    {
      // graphql-sse calls this once the response headers are in (status 2xx). yoga registers
      // the subscriber before it answers, so from here every event reaches this stream.
      connected() {
        connected = true;
        settleReady?.resolve();
      },
    },
  );

  const cancel = () => finish();
  const signals = options.signals ?? [];
  for (const signal of signals) {
    if (signal.aborted) cancel();
    else signal.addEventListener('abort', cancel, { once: true });
  }

  async function* iterate(): AsyncGenerator<T> {
    try {
      for (;;) {
        const item = queue.shift();
        if (item !== undefined) {
          yield item;
          continue;
        }
        if (failure) throw failure;
        if (done) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      cancel();
      for (const signal of signals) signal.removeEventListener('abort', cancel);
    }
  }

  const events = iterate();
  return { ready, cancel, [Symbol.asyncIterator]: () => events };
}

// Long-lived responses (SSE, NDJSON exports) and how they end: each one registers an
// AbortController, so that close() can stop them all and wait until they have finished.

import { once } from 'node:events';
import type { Response } from 'express';

export class LiveStreams {
  private readonly running = new Map<AbortController, Promise<void>>();
  private closed = false;

  /**
   * Runs `work` until it returns, the client goes away or close() is called; the signal it
   * gets aborts in the latter two cases.
   */
  run(res: Response, work: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const controller = new AbortController();
    const onClose = () => controller.abort();
    // 'close' on the response: the connection went away, or the response ended.
    res.once('close', onClose);
    if (this.closed) controller.abort();
    const done = work(controller.signal).finally(() => {
      res.off('close', onClose);
      this.running.delete(controller);
    });
    this.running.set(controller, done);
    return done;
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.running];
    for (const [controller] of pending) controller.abort();
    await Promise.allSettled(pending.map(([, done]) => done));
  }
}

/**
 * res.write() honouring backpressure: when the socket's buffer is full, waits for 'drain'.
 * Resolves false when the signal aborted first (the client went away, or shutdown).
 */
export async function writeOrWait(
  res: Response,
  chunk: string,
  signal: AbortSignal,
): Promise<boolean> {
  if (signal.aborted) return false;
  if (res.write(chunk)) return true;
  try {
    await once(res, 'drain', { signal });
    return true;
  } catch (err) {
    if (signal.aborted) return false;
    throw err;
  }
}

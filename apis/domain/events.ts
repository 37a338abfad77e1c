// In-process event bus for new reviews and chat messages, feeding every protocol's streams.
// Written here rather than with node's events.on(): that iterator buffers without bound, and
// a slow subscriber must be cut off (resource_exhausted) instead of growing memory forever.

import { DomainError } from './errors.ts';
import type { ChatMessage, Review } from './model.ts';

export interface SubscribeOptions {
  signal?: AbortSignal | undefined;
  /** Events buffered for a subscriber that is not reading; past this it is ended. */
  highWaterMark?: number | undefined;
}

const DEFAULT_HIGH_WATER_MARK = 1_000;

/** One subscriber's queue, consumed as an async iterator. */
class Subscription<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private waiter: ((r: IteratorResult<T>) => void) | undefined;
  private failWaiter: ((e: unknown) => void) | undefined;
  private done = false;
  private error: DomainError | undefined;
  private readonly onAbort = () => this.end();

  constructor(
    private readonly highWaterMark: number,
    private readonly detach: (s: Subscription<T>) => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    if (signal?.aborted) this.done = true;
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  push(value: T): void {
    if (this.done) return;
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = undefined;
      this.failWaiter = undefined;
      resolve({ value, done: false });
      return;
    }
    if (this.queue.length >= this.highWaterMark) {
      this.fail(
        new DomainError(
          'resource_exhausted',
          `subscriber fell more than ${this.highWaterMark} events behind and was disconnected`,
        ),
      );
      return;
    }
    this.queue.push(value);
  }

  /** Ends the stream normally: queued events are still delivered, then `done`. */
  end(): void {
    if (this.done) return;
    this.done = true;
    this.cleanup();
    if (this.waiter && this.queue.length === 0) {
      const resolve = this.waiter;
      this.waiter = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  private fail(err: DomainError): void {
    this.error = err;
    this.queue.length = 0;
    this.done = true;
    this.cleanup();
    if (this.failWaiter) {
      const reject = this.failWaiter;
      this.waiter = undefined;
      this.failWaiter = undefined;
      reject(err);
    }
  }

  private cleanup(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    this.detach(this);
  }

  next(): Promise<IteratorResult<T>> {
    const value = this.queue.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.error) {
      const err = this.error;
      this.error = undefined;
      return Promise.reject(err);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = reject;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.queue.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

export class EventBus {
  private readonly reviewSubs = new Set<{
    bookId: number | undefined;
    sub: Subscription<Review>;
  }>();
  private readonly chatSubs = new Map<string, Set<Subscription<ChatMessage>>>();
  private closed = false;

  publishReview(review: Review): void {
    for (const { bookId, sub } of [...this.reviewSubs]) {
      if (bookId === undefined || bookId === review.bookId) sub.push(review);
    }
  }

  publishChat(message: ChatMessage): void {
    for (const sub of [...(this.chatSubs.get(message.room) ?? [])]) sub.push(message);
  }

  subscribeReviews(
    options: SubscribeOptions & { bookId?: number | undefined } = {},
  ): AsyncIterableIterator<Review> {
    const entry = { bookId: options.bookId, sub: undefined as unknown as Subscription<Review> };
    entry.sub = new Subscription<Review>(
      options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
      () => this.reviewSubs.delete(entry),
      options.signal,
    );
    if (this.closed) entry.sub.end();
    else this.reviewSubs.add(entry);
    return entry.sub;
  }

  subscribeChat(room: string, options: SubscribeOptions = {}): AsyncIterableIterator<ChatMessage> {
    let subs = this.chatSubs.get(room);
    if (!subs) {
      subs = new Set();
      this.chatSubs.set(room, subs);
    }
    const roomSubs = subs;
    const sub = new Subscription<ChatMessage>(
      options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
      (s) => {
        roomSubs.delete(s);
        if (roomSubs.size === 0 && this.chatSubs.get(room) === roomSubs) this.chatSubs.delete(room);
      },
      options.signal,
    );
    if (this.closed) sub.end();
    else roomSubs.add(sub);
    return sub;
  }

  /** Live subscriptions, so tests can prove that a cancelled stream let go of its subscriber. */
  subscriberCount(): number {
    let n = this.reviewSubs.size;
    for (const subs of this.chatSubs.values()) n += subs.size;
    return n;
  }

  /** Ends every subscription (used on shutdown so that streams close cleanly). */
  close(): void {
    this.closed = true;
    for (const { sub } of [...this.reviewSubs]) sub.end();
    for (const subs of [...this.chatSubs.values()]) for (const sub of [...subs]) sub.end();
  }
}

// Runners for the scenarios that measure messages rather than calls: new reviews pushed to
// subscribers (server streaming) and a chat room (bidirectional). Latency comes from a
// timestamp the publisher writes into each message, on a clock every process shares.

import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatMessage, LibraryClient, Review } from '../../clients/contract.ts';
import { createHistogram, encodeHistogram, type Histogram, recordMs } from '../load/histogram.ts';
import { wallClockMs } from './operations.ts';

const STAMP = /^t=(\d+(?:\.\d+)?)(?:\s|$)/;

function stampOf(text: string): number | undefined {
  const m = STAMP.exec(text);
  return m ? Number(m[1]) : undefined;
}

export interface ServerStreamRun {
  subscribers: number;
  published: number;
  delivered: number;
  expected: number;
  /** Per subscriber: opening the stream until `ready`. */
  subscribeMs: number[];
  /** Per subscriber: the first publish until its first message. */
  firstMessageMs: number[];
  messagesPerSecond: number;
  latency: Histogram;
  encodedLatency: string;
  errors: Record<string, number>;
}

export interface ServerStreamOptions {
  client: LibraryClient;
  subscribers: number;
  /** Reviews created per second (open loop). */
  publishRate: number;
  durationMs: number;
  bookIds: number[];
  /** Time allowed after the last publish for deliveries to arrive. */
  settleMs?: number;
}

/**
 * Opens `subscribers` watches on one client, waits until each is confirmed, then creates
 * reviews at a fixed rate through the same client (the server under test serves one protocol)
 * and counts what every subscriber receives.
 */
export async function runServerStream(options: ServerStreamOptions): Promise<ServerStreamRun> {
  const { client, subscribers, publishRate, durationMs, bookIds } = options;
  const latency = createHistogram();
  const errors: Record<string, number> = {};
  const countError = (err: unknown) => {
    const code = (err as { code?: unknown }).code;
    const key = typeof code === 'string' ? code : 'unknown';
    errors[key] = (errors[key] ?? 0) + 1;
  };
  const marker = `run${Math.round(wallClockMs())}`;
  let firstPublishAt = 0;
  let delivered = 0;
  let published = 0;
  const subscribeMs: number[] = [];
  const firstMessageMs: number[] = [];
  const subs = Array.from({ length: subscribers }, () => {
    const opened = performance.now();
    const sub = client.watchReviews();
    const ready = sub.ready.then(() => subscribeMs.push(performance.now() - opened));
    const consumed = (async () => {
      let first = true;
      try {
        for await (const review of sub as AsyncIterable<Review>) {
          if (!review.body.includes(marker)) continue;
          const now = wallClockMs();
          const stamp = stampOf(review.body);
          if (stamp !== undefined) recordMs(latency, now - stamp);
          if (first) {
            firstMessageMs.push(now - firstPublishAt);
            first = false;
          }
          delivered++;
        }
      } catch (err) {
        countError(err);
      }
    })();
    return { sub, ready, consumed };
  });
  await Promise.all(subs.map((s) => s.ready));

  const interval = 1_000 / publishRate;
  const start = wallClockMs();
  firstPublishAt = start;
  const publishes: Promise<void>[] = [];
  for (let i = 0; ; i++) {
    const intended = start + i * interval;
    if (intended - start >= durationMs) break;
    const wait = intended - wallClockMs();
    if (wait > 1) await sleep(wait);
    const bookId = bookIds[i % bookIds.length] as number;
    publishes.push(
      client
        .createReview({
          bookId,
          reviewer: 'publisher',
          rating: 5,
          body: `t=${wallClockMs()} ${marker}`,
        })
        .then(() => {
          published++;
        }, countError),
    );
  }
  await Promise.all(publishes);
  const expected = published * subscribers;
  const deadline = performance.now() + (options.settleMs ?? 2_000);
  while (delivered < expected && performance.now() < deadline) await sleep(10);
  const elapsedS = (wallClockMs() - start) / 1_000;
  for (const s of subs) s.sub.cancel();
  await Promise.all(subs.map((s) => s.consumed));
  return {
    subscribers,
    published,
    delivered,
    expected,
    subscribeMs,
    firstMessageMs,
    messagesPerSecond: delivered / elapsedS,
    latency,
    encodedLatency: encodeHistogram(latency),
    errors,
  };
}

export interface ChatRun {
  members: number;
  messages: number;
  roundTrip: Histogram;
  fanOut: Histogram;
  messagesPerSecond: number;
  encoded: { roundTrip: string; fanOut: string };
}

export interface ChatOptions {
  client: LibraryClient;
  room: string;
  members: number;
  messages: number;
  /** Gives up on a message that does not come back. */
  timeoutMs?: number;
}

/**
 * `members` sessions join one room; member 0 sends `messages` messages one after another. For
 * each: round trip = send until member 0 has it back; fan-out = send until the last member
 * has it.
 */
export async function runChat(options: ChatOptions): Promise<ChatRun> {
  const { client, room, members, messages } = options;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const sessions = Array.from({ length: members }, () => client.chat(room));
  const roundTrip = createHistogram();
  const fanOut = createHistogram();
  try {
    await Promise.all(sessions.map((s) => s.ready));
    const iterators = sessions.map((s) => s.messages[Symbol.asyncIterator]());
    const nextOf = async (it: AsyncIterator<ChatMessage>, text: string): Promise<number> => {
      for (;;) {
        const r = await it.next();
        if (r.done) throw new Error('the chat stream ended early');
        if (r.value.text === text) return performance.now();
      }
    };
    const start = performance.now();
    for (let i = 0; i < messages; i++) {
      const text = `m${i}`;
      const sentAt = performance.now();
      const arrivals = iterators.map((it) => nextOf(it, text));
      await sessions[0]?.send('member-0', text);
      let timer: NodeJS.Timeout | undefined;
      const times = await Promise.race([
        Promise.all(arrivals),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`message ${i} not delivered in ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      recordMs(roundTrip, (times[0] as number) - sentAt);
      recordMs(fanOut, Math.max(...times) - sentAt);
    }
    const elapsedS = (performance.now() - start) / 1_000;
    return {
      members,
      messages,
      roundTrip,
      fanOut,
      messagesPerSecond: (messages * members) / elapsedS,
      encoded: { roundTrip: encodeHistogram(roundTrip), fanOut: encodeHistogram(fanOut) },
    };
  } finally {
    await Promise.all(sessions.map((s) => s.close().catch(() => {})));
  }
}

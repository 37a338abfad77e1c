// Wire accounting for any client: a tap in front of each server records what the client sends
// and receives, and measure() turns one call's traffic into bytes per direction and layer,
// connections and requests opened, messages, and (replayed) codec time. For inspection and
// per-operation byte counts; load runs use plain clients, since the tap is an extra hop.

import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Endpoints, LibraryClient, Variant } from './contract.ts';
import { createClient } from './index.ts';
import { isMessageEvent, WireAnalyzer, type WireWindow } from './wire/analyzer.ts';
import { type CodecTiming, replayCodec } from './wire/replay.ts';
import { startWireTap, type TapTotals, WireRecording, type WireTap } from './wire/tap.ts';
import type { LayerCounts } from './wire/types.ts';

export interface DirectionBytes extends LayerCounts {
  /** Every byte that crossed in this direction: the sum of the five layers. */
  total: number;
  /** Header and trailer bytes once decoded (HTTP/2: HPACK-decoded; HTTP/1.1: as sent). */
  headersDecoded: number;
  /** Messages (a unary body, an envelope, an SSE event, an NDJSON line, a WebSocket message). */
  messages: number;
}

export interface CallWire {
  request: DirectionBytes;
  response: DirectionBytes;
  totals: {
    request: number;
    response: number;
    total: number;
    /** Bytes received but not parsed when the call was cut (0 unless a frame was cut short). */
    unparsed: number;
  };
  /** The call opened at least one connection (TCP, plus the HTTP/2 preface and SETTINGS). */
  newConnection: boolean;
  connectionsOpened: number;
  /** HTTP/1.1 requests sent. */
  httpRequests: number;
  /** HTTP/2 streams opened. */
  streams: number;
  messages: { request: number; response: number };
  /** What the parsers could not make sense of (empty normally). */
  errors: string[];
  /** Messages cut short: a stream the client cancelled, a reset (expected, not errors). */
  cutShort: string[];
  /** Exchanges still open when the call was cut (a stream the call left running). */
  unfinished: number;
}

export interface Measurement<T> {
  result: T;
  /** Time of the call itself, before any accounting work. */
  latencyMs: number;
  wire: CallWire;
  codec: CodecTiming;
  /** Every event of the call, for `wirebench inspect`. */
  window: WireWindow;
}

/** Thrown by measure() when the call fails: the wire account of the failed call is kept. */
export class MeasuredCallError extends Error {
  override name = 'MeasuredCallError';
  constructor(
    readonly measurement: Omit<Measurement<never>, 'result'>,
    options: { cause: unknown },
  ) {
    super(options.cause instanceof Error ? options.cause.message : String(options.cause), options);
  }
}

export interface AccountingOptions {
  /**
   * After the call's exchanges have finished, wait until no byte has crossed for this long, to
   * catch trailing control frames (a WINDOW_UPDATE, a GOAWAY). Default 0: two event-loop turns.
   */
  settleMs?: number | undefined;
  /** Give up waiting for the call's exchanges to finish after this long (default 2 s). */
  settleTimeoutMs?: number | undefined;
  /** The client accepts gzip-compressed responses (see ClientOptions). */
  compression?: boolean | undefined;
}

export interface AccountedClient {
  readonly variant: Variant;
  /** The client, talking through the taps. */
  readonly client: LibraryClient;
  /** The endpoints the client was given (the taps'). */
  readonly endpoints: Endpoints;
  /** Runs one call and accounts for its traffic. Calls are measured one at a time. */
  measure<T>(fn: (client: LibraryClient) => Promise<T>): Promise<Measurement<T>>;
  /** Bytes that crossed outside any measured call (before, between, after). */
  readonly unmeasured: { request: number; response: number };
  /**
   * Parses what crossed outside measure() so far (calls made on `client` directly) and counts
   * it as unmeasured: keeps memory bounded when the client is driven without measure().
   */
  flush(): void;
  /** Everything the taps carried. */
  readonly totals: TapTotals;
  /** Closes the client, then the taps. */
  close(): Promise<void>;
}

/** `http://host:port` or `host:port` to host and port. */
export function parseHostPort(endpoint: string): { host: string; port: number } {
  const text = endpoint.includes('://') ? new URL(endpoint).host : endpoint.replace(/^dns:/, '');
  const colon = text.lastIndexOf(':');
  const host = text.slice(0, colon).replace(/^\[|\]$/g, '');
  return { host: host || '127.0.0.1', port: Number(text.slice(colon + 1)) };
}

export function toCallWire(window: WireWindow, unfinished = 0): CallWire {
  const side = (dir: 'request' | 'response'): DirectionBytes => ({
    ...window[dir].layers,
    total: window[dir].raw,
    headersDecoded: window[dir].headersDecoded,
    messages: window[dir].messages,
  });
  const request = side('request');
  const response = side('response');
  return {
    request,
    response,
    totals: {
      request: request.total,
      response: response.total,
      total: request.total + response.total,
      unparsed: window.request.unparsed + window.response.unparsed,
    },
    newConnection: window.connectionsOpened.length > 0,
    connectionsOpened: window.connectionsOpened.length,
    httpRequests: window.httpRequests,
    streams: window.streams,
    messages: { request: request.messages, response: response.messages },
    errors: window.errors,
    cutShort: window.cutShort,
    unfinished,
  };
}

/**
 * Starts taps in front of every endpoint (a client that reached a server the variant was not
 * expected to use would otherwise go unseen), and a client of `variant` pointed at them.
 */
export async function createAccountedClient(
  variant: Variant,
  endpoints: Endpoints,
  options: AccountingOptions = {},
): Promise<AccountedClient> {
  const recording = new WireRecording();
  const analyzer = new WireAnalyzer();
  const taps: WireTap[] = [];
  const tapped = async (endpoint: string): Promise<WireTap> => {
    const tap = await startWireTap({ target: parseHostPort(endpoint), recording });
    taps.push(tap);
    return tap;
  };
  let client: LibraryClient;
  let tappedEndpoints: Endpoints;
  try {
    const http = await tapped(endpoints.http);
    const h2 = await tapped(endpoints.h2);
    const grpc = await tapped(endpoints.grpc);
    tappedEndpoints = {
      http: `http://${http.address}`,
      h2: `http://${h2.address}`,
      grpc: grpc.address,
    };
    client = createClient(variant, tappedEndpoints, { compression: options.compression });
  } catch (err) {
    await Promise.all(taps.map((tap) => tap.close()));
    throw err;
  }

  const unmeasured = { request: 0, response: 0 };
  let mark = recording.mark();
  let busy = false;
  const settleMs = options.settleMs ?? 0;
  const settleTimeoutMs = options.settleTimeoutMs ?? 2_000;

  /** Feeds what was recorded since the last look to the parsers, and forgets it. */
  const ingest = () => {
    analyzer.ingest(recording.since(mark));
    mark = recording.mark();
    recording.discard(mark);
  };

  /** Resolves once `done()` holds after a record, or after `ms`. */
  const waitFor = (done: () => boolean, ms: number) =>
    new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        stop();
        resolve();
      };
      const timer = setTimeout(finish, ms);
      const stop = recording.onRecord(() => {
        ingest();
        if (done()) finish();
      });
      if (done()) finish();
    });

  const settle = async () => {
    ingest();
    if (analyzer.pendingExchanges > 0) {
      await waitFor(() => analyzer.pendingExchanges === 0, settleTimeoutMs);
    }
    // Bytes the client wrote just before its promise resolved (a WINDOW_UPDATE) are read by
    // the tap in the next poll phase, which runs before this immediate.
    await nextTurn();
    ingest();
    if (settleMs > 0) {
      let last = performance.now();
      const off = recording.onRecord(() => {
        last = performance.now();
      });
      while (performance.now() - last < settleMs) {
        await new Promise((resolve) => setTimeout(resolve, settleMs - (performance.now() - last)));
      }
      off();
      ingest();
    }
  };

  const flush = () => {
    if (busy) throw new Error('flush() while a call is being measured');
    ingest();
    const window = analyzer.cut();
    unmeasured.request += window.request.raw;
    unmeasured.response += window.response.raw;
  };

  const measure = async <T>(fn: (client: LibraryClient) => Promise<T>): Promise<Measurement<T>> => {
    if (busy) throw new Error('measure() accounts for one call at a time');
    try {
      flush();
      busy = true;
      const started = performance.now();
      let result: T | undefined;
      let failure: { error: unknown } | undefined;
      try {
        result = await fn(client);
      } catch (error) {
        failure = { error };
      }
      const latencyMs = performance.now() - started;
      await settle();
      const unfinished = analyzer.pendingExchanges;
      const window = analyzer.cut();
      const codec = replayCodec(variant, window.events.filter(isMessageEvent));
      const measurement = { latencyMs, wire: toCallWire(window, unfinished), codec, window };
      if (failure) throw new MeasuredCallError(measurement, { cause: failure.error });
      return { result: result as T, ...measurement };
    } finally {
      busy = false;
    }
  };

  return {
    variant,
    client,
    endpoints: tappedEndpoints,
    measure,
    flush,
    unmeasured,
    get totals() {
      return recording.totals;
    },
    async close() {
      try {
        await client.close();
      } finally {
        await Promise.all(taps.map((tap) => tap.close()));
      }
    },
  };
}

// Test support: a real GraphQL server on an ephemeral port over an in-memory library, and a
// small client that keeps the HTTP status, headers and parsed body of every answer.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Library } from '../domain/index.ts';
import { buildGraphQLServer, type GraphQLServerOptions } from './server.ts';
import { STORE_QUERIES_HEADER } from './store-queries.ts';

export interface GraphQLErrorBody {
  message: string;
  path?: (string | number)[];
  extensions?: {
    code?: string;
    fieldViolations?: { field: string; description: string }[];
    [key: string]: unknown;
  };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  /** Store queries the request made (the x-store-queries header). */
  storeQueries: number;
  data?: T | null;
  errors?: GraphQLErrorBody[];
}

export interface TestServer {
  library: Library;
  /** Absolute URL of the GraphQL endpoint. */
  url: string;
  server: Server;
  request<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    init?: { accept?: string },
  ): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export async function startTestServer(
  options: Partial<GraphQLServerOptions> = {},
  library: Library = Library.open({ scale: 'small' }),
): Promise<TestServer> {
  const yoga = buildGraphQLServer(library, { dataloader: true, logging: false, ...options });
  const server = createServer(yoga);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}${options.graphqlEndpoint ?? '/graphql'}`;
  return {
    library,
    url,
    server,
    async request<T>(
      query: string,
      variables?: Record<string, unknown>,
      init: { accept?: string } = {},
    ) {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: init.accept ?? 'application/graphql-response+json',
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: T | null; errors?: GraphQLErrorBody[] };
      return {
        status: response.status,
        headers: response.headers,
        storeQueries: Number(response.headers.get(STORE_QUERIES_HEADER)),
        ...body,
      };
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
      library.close();
    },
  };
}

export interface ServerSentEvent {
  event: string;
  data: string;
}

export interface SseStream {
  response: Response;
  /** The next event, skipping keep-alive comments. */
  nextEvent(): Promise<ServerSentEvent>;
  /** Drops the connection, as a browser closing the tab would. */
  abort(): void;
}

/** Subscribes over GraphQL over SSE (distinct connections mode): one POST, one event stream. */
export async function openSse(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  if (!response.body) throw new Error(`no event stream (HTTP ${response.status})`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    response,
    async nextEvent() {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = block.split('\n').filter((line) => !line.startsWith(':'));
          if (fields.length === 0) continue;
          const field = (name: string) =>
            fields
              .filter((line) => line.startsWith(`${name}:`))
              .map((line) => line.slice(name.length + 1).trimStart())
              .join('\n');
          return { event: field('event') || 'message', data: field('data') };
        }
        const chunk = await reader.read();
        if (chunk.done) throw new Error('event stream ended');
        buffer += chunk.value;
      }
    },
    abort: () => controller.abort(),
  };
}

/** Resolves once `condition` holds; fails after `timeoutMs` (a hang guard, not a timing). */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// Test support: the REST adapter on an ephemeral port of a real node:http server (with the
// WebSocket upgrade wired as the composed server wires it), and small HTTP helpers.

import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Library } from '../domain/index.ts';
import { buildRestApi } from './rest-api.ts';
import type { RestApi, RestApiOptions, RestLogger } from './types.ts';

export interface LogEntry {
  level: 'error' | 'warn';
  obj: object;
  msg: string | undefined;
}

export interface StartedServer {
  base: string;
  port: number;
  library: Library;
  api: RestApi;
  logs: LogEntry[];
  close(): Promise<void>;
}

export async function startTestServer(options: RestApiOptions = {}): Promise<StartedServer> {
  const library = Library.open({ scale: 'small' });
  const logs: LogEntry[] = [];
  const logger: RestLogger = {
    error: (obj, msg) => logs.push({ level: 'error', obj, msg }),
    warn: (obj, msg) => logs.push({ level: 'warn', obj, msg }),
  };
  const api = buildRestApi(library, { logger, ...options });
  const server = http.createServer(api.app);
  server.on('upgrade', (req, socket, head) => {
    if (!api.handleUpgrade(req, socket, head)) socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    library,
    api,
    logs,
    async close() {
      await api.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((err) => (err ? reject(err) : resolve())),
      );
      library.close();
    },
  };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** fetch + JSON body (problem+json included); `body` is the raw text when it is not JSON. */
export async function fetchJson(url: string, init?: RequestInit): Promise<JsonResponse> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body };
}

export function jsonInit(method: string, body: unknown, contentType = 'application/json') {
  return {
    method,
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

/** The x-store-queries header as a number (NaN when absent). */
export function storeQueries(headers: Headers): number {
  return Number(headers.get('x-store-queries') ?? Number.NaN);
}

/** The fields of a problem body, asserting its shape loosely for the caller. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
  violations?: { field: string; description: string; line?: number }[];
}

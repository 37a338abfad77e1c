// Starts a ceiling server as a child process (pinnable with a wrapper such as taskset) and
// hands back where it listens and the pre-encoded requests the capacity generators send it.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Variant } from '../../clients/contract.ts';
import {
  type CeilingStack,
  describeVariant,
  transportOfCeiling,
  variantsOfCeiling,
} from '../../clients/variants.ts';
import { encodeGetBook, frameMessage } from '../capacity/requests.ts';
import { parseTrailerStatus, splitFrames } from '../capacity/responses.ts';
import type { RawResponse, RequestSpec, Transport } from '../capacity/spec.ts';
import {
  CEILING_BOOK_ID,
  GRAPHQL_HELLO_QUERY,
  GRPC_HELLO_PATH,
  GRPC_HELLO_REPLY,
  GRPC_HELLO_REQUEST,
  HELLO_JSON,
  HELLO_PATH,
} from './servers.ts';

export { CEILING_STACKS, type CeilingStack, isCeilingStack } from './servers.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
const ENTRY = 'bench/ceilings/serve-ceiling.ts';

export interface CeilingOptions {
  /** Prefix of the command, e.g. ['taskset', '-c', '1']. */
  wrapper?: string[] | undefined;
  host?: string | undefined;
  startTimeoutMs?: number | undefined;
}

export interface RunningCeiling {
  stack: CeilingStack;
  transport: Transport;
  /** `http://host:port`, for autocannon and the HTTP/2 generator alike. */
  origin: string;
  /** `host:port` */
  authority: string;
  pid: number;
  /** What the generator of this stack sends it: the stack's hello request. */
  requests: RequestSpec[];
  /** What `requests` is: 'hello', or the variant whose GetBook a connect-node ceiling answers. */
  reference: 'hello' | Variant;
  /**
   * For the connect-node ceilings, the GetBook request of every protocol variant it serves
   * (the same bytes as the real crud-read spec for book 1), so each variant reads against the
   * same framework with no database behind it.
   */
  requestsByVariant: Partial<Record<Variant, RequestSpec[]>>;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

function expectBody(expected: string) {
  return (response: RawResponse) => {
    const body = response.body.toString();
    return body === expected ? undefined : `expected ${expected}, got ${body.slice(0, 200)}`;
  };
}

export interface CeilingRequests {
  requests: RequestSpec[];
  reference: 'hello' | Variant;
  requestsByVariant: Partial<Record<Variant, RequestSpec[]>>;
}

/**
 * The hello request of a stack, and for connect-node the GetBook request of each variant its
 * ceiling stands beside; the stack's own figure is the Connect protocol's binary GetBook.
 */
export function buildCeilingRequests(stack: CeilingStack): CeilingRequests {
  switch (stack) {
    case 'node-http':
    case 'express':
      return {
        requests: [
          {
            method: 'GET',
            path: HELLO_PATH,
            headers: { accept: 'application/json' },
            body: Buffer.alloc(0),
            check: 'http',
            verify: expectBody(HELLO_JSON),
          },
        ],
        reference: 'hello',
        requestsByVariant: {},
      };
    case 'graphql-yoga':
      return {
        requests: [
          {
            method: 'POST',
            path: '/graphql',
            headers: { 'content-type': 'application/json', accept: 'application/json' },
            body: Buffer.from(JSON.stringify({ query: GRAPHQL_HELLO_QUERY })),
            check: 'graphql',
            verify: expectBody('{"data":{"hello":"world"}}'),
          },
        ],
        reference: 'hello',
        requestsByVariant: {},
      };
    case 'grpc-js':
      return {
        requests: [
          {
            method: 'POST',
            path: GRPC_HELLO_PATH,
            headers: { 'content-type': 'application/grpc+proto', te: 'trailers' },
            body: frameMessage(GRPC_HELLO_REQUEST),
            check: 'grpc',
            verify: verifyGrpcHello,
          },
        ],
        reference: 'hello',
        requestsByVariant: {},
      };
    case 'connect-h1':
    case 'connect-h2': {
      const variants = variantsOfCeiling(stack);
      const requestsByVariant: Partial<Record<Variant, RequestSpec[]>> = {};
      for (const variant of variants) {
        requestsByVariant[variant] = [encodeGetBook(variant, CEILING_BOOK_ID)];
      }
      const reference = variants.find((v) => {
        const { protocol, codec } = describeVariant(v);
        return protocol === 'connect' && codec === 'protobuf';
      });
      if (!reference) throw new Error(`ceiling ${stack} stands beside no binary Connect variant`);
      return { requests: requestsByVariant[reference] ?? [], reference, requestsByVariant };
    }
  }
}

function verifyGrpcHello(response: RawResponse): string | undefined {
  const status = response.trailers['grpc-status'] ?? response.headers['grpc-status'];
  if (status !== '0') return `grpc-status ${status}`;
  const { messages, trailer } = splitFrames(response.body);
  if (trailer !== undefined && parseTrailerStatus(trailer) !== 0) return 'error trailer';
  const [reply] = messages;
  return messages.length === 1 && reply?.equals(GRPC_HELLO_REPLY)
    ? undefined
    : `unexpected reply ${response.body.toString('hex')}`;
}

interface ServingLine {
  msg?: string;
  ports?: { http?: number };
}

/** Starts a ceiling server of one stack as a child process on an ephemeral port. */
export async function startCeiling(
  stack: CeilingStack,
  options: CeilingOptions = {},
): Promise<RunningCeiling> {
  const host = options.host ?? '127.0.0.1';
  const [command, ...args] = [
    ...(options.wrapper ?? []),
    process.execPath,
    ...['--import', 'tsx', ENTRY, stack, '--host', host, '--port', '0'],
  ] as [string, ...string[]];
  const child: ChildProcess = spawn(command, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const lines = createInterface({ input: child.stdout! });

  const stop = async (graceMs = 5_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    lines.close();
  };

  try {
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    const serving = await new Promise<ServingLine>((resolveLine, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`ceiling ${stack} did not report its port in ${timeoutMs} ms`)),
        timeoutMs,
      );
      lines.on('line', (line) => {
        let entry: ServingLine;
        try {
          entry = JSON.parse(line) as ServingLine;
        } catch {
          return;
        }
        if (entry.msg === 'serving') {
          clearTimeout(timer);
          resolveLine(entry);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`ceiling ${stack} exited with code ${code} before serving: ${stderr}`));
      });
    });
    const port = serving.ports?.http;
    if (!port) throw new Error(`ceiling ${stack} reported no port`);
    const authority = `${host}:${port}`;
    return {
      stack,
      transport: transportOfCeiling(stack),
      origin: `http://${authority}`,
      authority,
      pid: child.pid as number,
      ...buildCeilingRequests(stack),
      stop,
    };
  } catch (err) {
    await stop(0);
    throw err;
  }
}

// The connect-node evolution server: the version's protobuf-es service on an HTTP/2 cleartext
// server that speaks gRPC, gRPC-Web and Connect (JSON and binary) at once, over the shared
// book handler.

import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { DescMethodUnary } from '@bufbuild/protobuf';
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import {
  esFromPlain,
  esToPlain,
  loadProtoContract,
  operationOfMethod,
  type ProtoContract,
} from '../../schemas/evolution/proto-plain.ts';
import { EXCHANGE_HEADER, type StartEvolutionServer } from '../../schemas/evolution/types.ts';
import {
  type BookHandler,
  type BookServiceCode,
  BookServiceError,
  createBookHandler,
} from './book-service.ts';

const CONNECT_CODE: Record<BookServiceCode, Code> = {
  not_found: Code.NotFound,
  invalid_argument: Code.InvalidArgument,
};

/** Sessions still open this long after close() are destroyed. */
const CLOSE_GRACE_MS = 2_000;

function toConnectError(err: unknown): unknown {
  return err instanceof BookServiceError
    ? new ConnectError(err.message, CONNECT_CODE[err.code])
    : err;
}

function registerMethod(router: ConnectRouter, method: DescMethodUnary, handle: BookHandler): void {
  const operation = operationOfMethod(method.name);
  if (!operation) return;
  if (operation === 'createBook' && method.input.typeName !== method.output.typeName) {
    throw new Error(
      `${method.parent.typeName}.${method.name} must answer its request type to echo it`,
    );
  }
  router.rpc(method, async (request, context) => {
    try {
      const answer = handle({
        operation,
        request: esToPlain(method.input, request),
        exchange: context.requestHeader.get(EXCHANGE_HEADER) ?? '',
      });
      // The echo is the decoded message: protobuf-es keeps the unknown fields of a binary
      // request and toBinary writes them back. A JSON request has none to keep: connect parses
      // it with ignoreUnknownFields, which drops unknown keys and unknown enum names alike.
      return answer.echo ? request : esFromPlain(method.output, answer.value);
    } catch (err) {
      throw toConnectError(err);
    }
  });
}

function buildRoutes(contract: ProtoContract, handle: BookHandler) {
  return (router: ConnectRouter) => {
    // Only the unary rpcs the lab knows: any other method of the contract answers unimplemented.
    for (const method of contract.esService.methods) {
      // DescMethod is not a union on methodKind, so the check does not narrow it.
      if (method.methodKind === 'unary') registerMethod(router, method as DescMethodUnary, handle);
    }
  };
}

export const startConnectServer: StartEvolutionServer = async (options) => {
  const contract = await loadProtoContract(options.change, options.version);
  const handle = createBookHandler(options, contract);
  const adapter = connectNodeAdapter({
    routes: buildRoutes(contract, handle),
    grpc: true,
    grpcWeb: true,
    connect: true,
  });
  const server = http2.createServer(adapter);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        // server.close() waits for every session to end; GOAWAY asks clients to end them.
        const timer = setTimeout(() => {
          for (const session of sessions) session.destroy();
        }, CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        for (const session of sessions) session.close();
      });
      return closing;
    },
  };
};

// The grpc-js evolution server: the version's service as protobufjs reads its JSON descriptor,
// with Type.encode and decode as the method codecs, over the shared book handler.

import * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import {
  loadProtoContract,
  operationOfMethod,
  pbjsFromPlain,
  pbjsToPlain,
  serviceNameOf,
} from '../../schemas/evolution/proto-plain.ts';
import {
  EXCHANGE_HEADER,
  type Operation,
  type StartEvolutionServer,
} from '../../schemas/evolution/types.ts';
import {
  type BookHandler,
  type BookServiceCode,
  BookServiceError,
  createBookHandler,
} from './book-service.ts';

const GRPC_STATUS: Record<BookServiceCode, grpc.status> = {
  not_found: grpc.status.NOT_FOUND,
  invalid_argument: grpc.status.INVALID_ARGUMENT,
};

/** Calls still running get this long to finish when the server closes. */
const CLOSE_GRACE_MS = 2_000;

/** What the request deserializer hands the handler: the message and the bytes it came from. */
interface DecodedRequest {
  message: protobuf.Message;
  body: string;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function toStatus(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof BookServiceError) return { code: GRPC_STATUS[err.code], details: err.message };
  return { code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}

function buildMethod(
  serviceName: string,
  method: protobuf.Method,
  operation: Operation,
  handle: BookHandler,
): { definition: grpc.MethodDefinition<unknown, unknown>; handler: grpc.UntypedHandleCall } {
  const input = method.resolvedRequestType!;
  const output = method.resolvedResponseType!;
  if (operation === 'createBook' && input !== output) {
    throw new Error(`${serviceName}.${method.name} must answer its request type to echo it`);
  }
  const definition: grpc.MethodDefinition<DecodedRequest, protobuf.Message> = {
    path: `/${serviceName}/${method.name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: (request) => toBuffer(input.encode(request.message).finish()),
    // The handler receives what this returns: the bytes ride along for ServerRecord.body.
    requestDeserialize: (bytes) => ({
      message: input.decode(bytes),
      body: bytes.toString('base64'),
    }),
    responseSerialize: (message) => toBuffer(output.encode(message).finish()),
    responseDeserialize: (bytes) => output.decode(bytes),
  };
  const handler: grpc.handleUnaryCall<DecodedRequest, protobuf.Message> = (call, callback) => {
    try {
      const { message, body } = call.request;
      const answer = handle({
        operation,
        request: pbjsToPlain(input, message),
        exchange: String(call.metadata.get(EXCHANGE_HEADER)[0] ?? ''),
        body,
      });
      // The echo is the decoded message: protobufjs keeps no unknown fields, so none go back.
      callback(null, answer.echo ? message : pbjsFromPlain(output, answer.value));
    } catch (err) {
      callback(toStatus(err));
    }
  };
  return {
    definition: definition as grpc.MethodDefinition<unknown, unknown>,
    handler: handler as grpc.UntypedHandleCall,
  };
}

export const startGrpcServer: StartEvolutionServer = async (options) => {
  const contract = await loadProtoContract(options.change, options.version);
  const handle = createBookHandler(options, contract);
  const serviceName = serviceNameOf(contract);
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  // Only the unary rpcs the lab knows: any other method of the contract answers UNIMPLEMENTED.
  for (const method of contract.pbjsService.methodsArray) {
    const operation = operationOfMethod(method.name);
    if (!operation || method.requestStream || method.responseStream) continue;
    const built = buildMethod(serviceName, method, operation, handle);
    definition[method.name] = built.definition;
    implementation[method.name] = built.handler;
  }
  const server = new grpc.Server();
  server.addService(definition, implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), CLOSE_GRACE_MS);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      return closing;
    },
  };
};

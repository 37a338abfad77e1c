// The connect-node evolution clients: one transport per variant (gRPC, gRPC-Web, Connect with
// JSON or binary), all over HTTP/2 to the connect-node server, calling the client's version's
// protobuf-es methods.

import { type Message, toBinary, toJsonString } from '@bufbuild/protobuf';
import { base64Encode } from '@bufbuild/protobuf/wire';
import { Code, ConnectError, createClient, type Transport } from '@connectrpc/connect';
import { codeToString } from '@connectrpc/connect/protocol-connect';
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
  Http2SessionManager,
} from '@connectrpc/connect-node';
import {
  esFromPlain,
  esToPlain,
  findEsMethod,
  loadProtoContract,
} from '../../schemas/evolution/proto-plain.ts';
import {
  type CreateEvolutionClient,
  type EvolutionVariant,
  EXCHANGE_HEADER,
  LoudFailure,
} from '../../schemas/evolution/types.ts';

type ConnectVariant = Extract<
  EvolutionVariant,
  'grpc-connect' | 'connect-json' | 'connect-proto' | 'grpc-web'
>;

interface VariantSpec {
  protocol: 'grpc' | 'grpc-web' | 'connect';
  binary: boolean;
}

const VARIANTS: Record<ConnectVariant, VariantSpec> = {
  'grpc-connect': { protocol: 'grpc', binary: true },
  'connect-json': { protocol: 'connect', binary: false },
  'connect-proto': { protocol: 'connect', binary: true },
  'grpc-web': { protocol: 'grpc-web', binary: true },
};

/** gRPC's spelling of each code (the Connect Code enum shares gRPC's numbers). */
const GRPC_CODE_NAMES: Record<Code, string> = {
  [Code.Canceled]: 'CANCELLED',
  [Code.Unknown]: 'UNKNOWN',
  [Code.InvalidArgument]: 'INVALID_ARGUMENT',
  [Code.DeadlineExceeded]: 'DEADLINE_EXCEEDED',
  [Code.NotFound]: 'NOT_FOUND',
  [Code.AlreadyExists]: 'ALREADY_EXISTS',
  [Code.PermissionDenied]: 'PERMISSION_DENIED',
  [Code.ResourceExhausted]: 'RESOURCE_EXHAUSTED',
  [Code.FailedPrecondition]: 'FAILED_PRECONDITION',
  [Code.Aborted]: 'ABORTED',
  [Code.OutOfRange]: 'OUT_OF_RANGE',
  [Code.Unimplemented]: 'UNIMPLEMENTED',
  [Code.Internal]: 'INTERNAL',
  [Code.Unavailable]: 'UNAVAILABLE',
  [Code.DataLoss]: 'DATA_LOSS',
  [Code.Unauthenticated]: 'UNAUTHENTICATED',
};

function isConnectVariant(variant: EvolutionVariant): variant is ConnectVariant {
  return Object.hasOwn(VARIANTS, variant);
}

function createTransport(
  spec: VariantSpec,
  baseUrl: string,
  sessionManager: Http2SessionManager,
): Transport {
  const options = {
    baseUrl,
    httpVersion: '2' as const,
    sessionManager,
    useBinaryFormat: spec.binary,
    // Uncompressed responses, as the grpc-js server sends them: the bytes are the message.
    acceptCompression: [],
  };
  switch (spec.protocol) {
    case 'grpc':
      return createGrpcTransport(options);
    case 'grpc-web':
      return createGrpcWebTransport(options);
    case 'connect':
      return createConnectTransport(options);
  }
}

export const createConnectClient: CreateEvolutionClient = async ({
  change,
  version,
  variant,
  baseUrl,
}) => {
  if (!isConnectVariant(variant))
    throw new Error(`the connect-node client does not speak ${variant}`);
  const spec = VARIANTS[variant];
  const contract = await loadProtoContract(change, version);
  // One HTTP/2 connection per client, so that close() can end it.
  const sessionManager = new Http2SessionManager(baseUrl);
  const client = createClient(contract.esService, createTransport(spec, baseUrl, sessionManager));
  const toFailure = (err: ConnectError) =>
    new LoudFailure(
      spec.protocol === 'connect' ? codeToString(err.code) : GRPC_CODE_NAMES[err.code],
      err.rawMessage,
    );
  return {
    async call(operation, request, exchange) {
      const method = findEsMethod(contract, operation);
      if (method?.methodKind !== 'unary') {
        throw new Error(`${change.name} ${version} declares no unary rpc for ${operation}`);
      }
      const message = esFromPlain(method.input, request);
      // The same call the transport makes to serialize the request (connect's serialization
      // uses toBinary, or toJsonString with options that only affect parsing).
      const sent = spec.binary
        ? base64Encode(toBinary(method.input, message))
        : toJsonString(method.input, message);
      const invoke = client[method.localName] as unknown as (
        request: Message,
        options: { headers: Record<string, string> },
      ) => Promise<Message>;
      try {
        const response = await invoke(message, { headers: { [EXCHANGE_HEADER]: exchange } });
        return { value: esToPlain(method.output, response), sent };
      } catch (err) {
        if (err instanceof ConnectError) throw toFailure(err);
        throw err;
      }
    },
    async close() {
      sessionManager.abort();
    },
  };
};

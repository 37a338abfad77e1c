// The grpc-js evolution client ('grpc'): makeUnaryRequest with protobufjs codecs of the
// client's version, read from its pbjs JSON descriptor. The codecs keep the bytes they write
// and read, so a reading carries the message as it went out and came back.

import * as grpc from '@grpc/grpc-js';
import {
  findPbjsMethod,
  loadProtoContract,
  pbjsFromPlain,
  pbjsToPlain,
  serviceNameOf,
} from '../../schemas/evolution/proto-plain.ts';
import {
  type CreateEvolutionClient,
  EXCHANGE_HEADER,
  LoudFailure,
  type Plain,
} from '../../schemas/evolution/types.ts';

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function isServiceError(err: unknown): err is grpc.ServiceError {
  return err instanceof Error && typeof (err as Partial<grpc.ServiceError>).code === 'number';
}

export const createGrpcClient: CreateEvolutionClient = async ({
  change,
  version,
  variant,
  baseUrl,
}) => {
  if (variant !== 'grpc') throw new Error(`the grpc-js client does not speak ${variant}`);
  const contract = await loadProtoContract(change, version);
  const serviceName = serviceNameOf(contract);
  const client = new grpc.Client(new URL(baseUrl).host, grpc.credentials.createInsecure(), {
    // One connection of its own per client: grpc-js would otherwise share it process-wide.
    'grpc.use_local_subchannel_pool': 1,
  });
  return {
    call(operation, request, exchange) {
      const method = findPbjsMethod(contract, operation);
      if (!method) {
        return Promise.reject(
          new Error(`${change.name} ${version} declares no rpc for ${operation}`),
        );
      }
      const input = method.resolvedRequestType!;
      const output = method.resolvedResponseType!;
      let sent: string | undefined;
      let received: string | undefined;
      const metadata = new grpc.Metadata();
      metadata.set(EXCHANGE_HEADER, exchange);
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          `/${serviceName}/${method.name}`,
          (message: ReturnType<typeof pbjsFromPlain>) => {
            const bytes = toBuffer(input.encode(message).finish());
            sent = bytes.toString('base64');
            return bytes;
          },
          // A response that does not decode throws here; grpc-js reports it as INTERNAL,
          // which is what a grpc-js program sees, so it is passed on as such.
          (bytes: Buffer) => {
            received = bytes.toString('base64');
            return output.decode(bytes);
          },
          pbjsFromPlain(input, request),
          metadata,
          {},
          (err, response) => {
            if (err) {
              if (isServiceError(err)) reject(new LoudFailure(grpc.status[err.code], err.details));
              else reject(err);
              return;
            }
            const value: Plain = response ? pbjsToPlain(output, response) : {};
            resolve({
              value,
              ...(sent === undefined ? {} : { sent }),
              ...(received === undefined ? {} : { received }),
            });
          },
        );
      });
    },
    async close() {
      client.close();
    },
  };
};

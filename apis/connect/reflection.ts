// gRPC server reflection (grpc.reflection.v1 and v1alpha) for the Connect servers, answered from
// the descriptors protobuf-es embeds in the generated code, so that tools such as buf curl can
// call the connect-node servers without a copy of the .proto files.

import { createRegistry, type DescFile, type Registry, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { Code, type ConnectRouter } from '@connectrpc/connect';
import { ServerReflection as ServerReflectionV1 } from '../../schemas/gen/es/grpc/reflection/v1/reflection_pb.ts';
import { ServerReflection as ServerReflectionV1alpha } from '../../schemas/gen/es/grpc/reflection/v1alpha/reflection_pb.ts';

/** Both versions of the reflection service: buf curl asks v1 first, then v1alpha. */
export const REFLECTION_SERVICES = [ServerReflectionV1, ServerReflectionV1alpha] as const;

/** What a request of either version asks: the two generated request types both fit. */
export interface ReflectionRequest {
  messageRequest:
    | {
        case:
          | 'fileByFilename'
          | 'fileContainingSymbol'
          | 'allExtensionNumbersOfType'
          | 'listServices';
        value: string;
      }
    | {
        case: 'fileContainingExtension';
        value: { containingType: string; extensionNumber: number };
      }
    | { case: undefined; value?: undefined };
}

/** The `message_response` oneof of either version's response, as an init shape. */
export type ReflectionAnswer =
  | { case: 'fileDescriptorResponse'; value: { fileDescriptorProto: Uint8Array[] } }
  | {
      case: 'allExtensionNumbersResponse';
      value: { baseTypeName: string; extensionNumber: number[] };
    }
  | { case: 'listServicesResponse'; value: { service: { name: string }[] } }
  | { case: 'errorResponse'; value: { errorCode: number; errorMessage: string } };

export interface Reflector {
  /** Full names of the services listed by `list_services`. */
  readonly services: readonly string[];
  /**
   * Answers one request of a stream. `sent` holds the names of the files already sent on that
   * stream: the requested file always goes out, its dependencies only once per stream (the
   * spec allows it, and grpc-go does the same).
   */
  answer(request: ReflectionRequest, sent: Set<string>): ReflectionAnswer;
}

/**
 * Every file of `roots` and everything they import, each once, by its path as imports name it
 * (`google/protobuf/timestamp.proto`: DescFile.name drops the `.proto`).
 */
function collectFiles(roots: readonly DescFile[]): Map<string, DescFile> {
  const files = new Map<string, DescFile>();
  const visit = (file: DescFile) => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    for (const dep of file.dependencies) visit(dep);
  };
  for (const root of roots) visit(root);
  return files;
}

function notFound(what: string): ReflectionAnswer {
  return { case: 'errorResponse', value: { errorCode: Code.NotFound, errorMessage: what } };
}

/**
 * The file declaring a fully-qualified name: a type, or a member of one that the registry does
 * not index (a method, a field or oneof, an enum value, which is scoped beside its enum).
 */
function findFileOfSymbol(registry: Registry, symbol: string): DescFile | undefined {
  const type = registry.get(symbol);
  if (type) return type.file;
  const dot = symbol.lastIndexOf('.');
  const parentName = dot < 0 ? '' : symbol.slice(0, dot);
  const member = symbol.slice(dot + 1);
  const parent = registry.get(parentName);
  if (parent?.kind === 'service') {
    return parent.methods.some((m) => m.name === member) ? parent.file : undefined;
  }
  if (parent?.kind === 'message') {
    const declares =
      parent.fields.some((f) => f.name === member) || parent.oneofs.some((o) => o.name === member);
    if (declares) return parent.file;
  }
  for (const desc of registry) {
    if (desc.kind !== 'enum') continue;
    const scope = desc.parent?.typeName ?? desc.file.proto.package;
    if (scope === parentName && desc.values.some((v) => v.name === member)) return desc.file;
  }
  return undefined;
}

/**
 * A reflector over the given files and their imports. Only the services of `roots` are listed
 * (connect-go's grpcreflect and @grpc/reflection list the application's services, not the
 * reflection service itself).
 */
export function createReflector(roots: readonly DescFile[]): Reflector {
  const files = collectFiles(roots);
  const registry = createRegistry(...files.values());
  const services = roots.flatMap((f) => f.services.map((s) => s.typeName)).sort();
  const encoded = new Map<string, Uint8Array>();
  const encode = (file: DescFile) => {
    let bytes = encoded.get(file.proto.name);
    if (!bytes) {
      bytes = toBinary(FileDescriptorProtoSchema, file.proto);
      encoded.set(file.proto.name, bytes);
    }
    return bytes;
  };

  /** The file, then its imports breadth first, leaving out imports sent before. */
  const describe = (file: DescFile, sent: Set<string>): ReflectionAnswer => {
    const out: Uint8Array[] = [];
    const queue = [file];
    const queued = new Set([file.proto.name]);
    for (let next = queue.shift(); next; next = queue.shift()) {
      if (next === file || !sent.has(next.proto.name)) {
        out.push(encode(next));
        sent.add(next.proto.name);
      }
      for (const dep of next.dependencies) {
        if (!queued.has(dep.proto.name)) {
          queued.add(dep.proto.name);
          queue.push(dep);
        }
      }
    }
    return { case: 'fileDescriptorResponse', value: { fileDescriptorProto: out } };
  };

  return {
    services,
    answer(request, sent) {
      const { messageRequest: r } = request;
      switch (r.case) {
        case 'listServices':
          return {
            case: 'listServicesResponse',
            value: { service: services.map((name) => ({ name })) },
          };
        case 'fileByFilename': {
          const file = files.get(r.value);
          return file ? describe(file, sent) : notFound(`file not found: ${r.value}`);
        }
        case 'fileContainingSymbol': {
          const file = findFileOfSymbol(registry, r.value);
          return file ? describe(file, sent) : notFound(`symbol not found: ${r.value}`);
        }
        case 'fileContainingExtension': {
          const { containingType, extensionNumber } = r.value;
          const message = registry.getMessage(containingType);
          const extension = message && registry.getExtensionFor(message, extensionNumber);
          return extension
            ? describe(extension.file, sent)
            : notFound(`extension not found: ${containingType} ${extensionNumber}`);
        }
        case 'allExtensionNumbersOfType': {
          if (!registry.getMessage(r.value)) return notFound(`type not found: ${r.value}`);
          const numbers: number[] = [];
          for (const desc of registry) {
            if (desc.kind === 'extension' && desc.extendee.typeName === r.value) {
              numbers.push(desc.number);
            }
          }
          return {
            case: 'allExtensionNumbersResponse',
            value: { baseTypeName: r.value, extensionNumber: numbers.sort((a, b) => a - b) },
          };
        }
        default:
          return {
            case: 'errorResponse',
            value: { errorCode: Code.InvalidArgument, errorMessage: 'no message_request set' },
          };
      }
    },
  };
}

/**
 * Registers grpc.reflection.v1 and v1alpha on a router. Reflection is a bidi stream, so it
 * answers over HTTP/2 only: over HTTP/1.1 connect-node refuses it with 505.
 */
export function registerReflection(router: ConnectRouter, roots: readonly DescFile[]): void {
  const reflector = createReflector(roots);
  // No per-service options: connect-es 2.1 would take the protocol switches from them and
  // re-enable gRPC on the HTTP/1.1 handler (see routes.ts).
  router.service(ServerReflectionV1, {
    async *serverReflectionInfo(requests) {
      const sent = new Set<string>();
      for await (const request of requests) {
        yield {
          validHost: request.host,
          originalRequest: request,
          messageResponse: reflector.answer(request, sent),
        };
      }
    },
  });
  router.service(ServerReflectionV1alpha, {
    async *serverReflectionInfo(requests) {
      const sent = new Set<string>();
      for await (const request of requests) {
        yield {
          validHost: request.host,
          originalRequest: request,
          messageResponse: reflector.answer(request, sent),
        };
      }
    },
  });
}

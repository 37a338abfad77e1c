// Renders grpc-js service definitions over pbjs static codecs: what grpc_tools_node_protoc
// does for google-protobuf, which has no equivalent for protobufjs. Per service: the method
// table (paths, streaming flags, serializers), a typed server interface, a typed client.

import { toBinary } from '@bufbuild/protobuf';
import {
  FileDescriptorProtoSchema,
  type FileDescriptorSet,
  type MethodDescriptorProto,
} from '@bufbuild/protobuf/wkt';

interface MethodInfo {
  name: string;
  key: string;
  path: string;
  input: string;
  output: string;
  inputTypes: { message: string; plain: string };
  outputTypes: { message: string; plain: string };
  clientStreaming: boolean;
  serverStreaming: boolean;
}

function toLowerCamel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** `.library.v1.Book` -> the pbjs class `library.v1.Book` and its interface `library.v1.IBook`. */
function toPbjsTypes(protoType: string): { message: string; plain: string } {
  const name = protoType.replace(/^\./, '');
  const dot = name.lastIndexOf('.');
  const scope = name.slice(0, dot + 1);
  return { message: name, plain: `${scope}I${name.slice(dot + 1)}` };
}

function describeMethod(service: string, m: MethodDescriptorProto): MethodInfo {
  return {
    name: m.name,
    key: toLowerCamel(m.name),
    path: `/${service}/${m.name}`,
    input: m.inputType,
    output: m.outputType,
    inputTypes: toPbjsTypes(m.inputType),
    outputTypes: toPbjsTypes(m.outputType),
    clientStreaming: m.clientStreaming === true,
    serverStreaming: m.serverStreaming === true,
  };
}

function renderHandlerType(m: MethodInfo): string {
  const args = `${m.inputTypes.message}, ${m.outputTypes.plain}`;
  if (m.clientStreaming && m.serverStreaming) return `grpc.handleBidiStreamingCall<${args}>`;
  if (m.clientStreaming) return `grpc.handleClientStreamingCall<${args}>`;
  if (m.serverStreaming) return `grpc.handleServerStreamingCall<${args}>`;
  return `grpc.handleUnaryCall<${args}>`;
}

function renderClientMethod(m: MethodInfo): string {
  const req = m.inputTypes.plain;
  const res = m.outputTypes.message;
  const cb = `grpc.requestCallback<${res}>`;
  const opts = 'Partial<grpc.CallOptions>';
  const k = m.key;
  if (m.clientStreaming && m.serverStreaming) {
    const ret = `grpc.ClientDuplexStream<${req}, ${res}>`;
    return [
      `  ${k}(options?: ${opts}): ${ret};`,
      `  ${k}(metadata: grpc.Metadata, options?: ${opts}): ${ret};`,
    ].join('\n');
  }
  if (m.clientStreaming) {
    const ret = `grpc.ClientWritableStream<${req}>`;
    return [
      `  ${k}(callback: ${cb}): ${ret};`,
      `  ${k}(metadata: grpc.Metadata, callback: ${cb}): ${ret};`,
      `  ${k}(options: ${opts}, callback: ${cb}): ${ret};`,
      `  ${k}(metadata: grpc.Metadata, options: ${opts}, callback: ${cb}): ${ret};`,
    ].join('\n');
  }
  if (m.serverStreaming) {
    const ret = `grpc.ClientReadableStream<${res}>`;
    return [
      `  ${k}(request: ${req}, options?: ${opts}): ${ret};`,
      `  ${k}(request: ${req}, metadata?: grpc.Metadata, options?: ${opts}): ${ret};`,
    ].join('\n');
  }
  const ret = 'grpc.ClientUnaryCall';
  return [
    `  ${k}(request: ${req}, callback: ${cb}): ${ret};`,
    `  ${k}(request: ${req}, metadata: grpc.Metadata, callback: ${cb}): ${ret};`,
    `  ${k}(request: ${req}, metadata: grpc.Metadata, options: ${opts}, callback: ${cb}): ${ret};`,
  ].join('\n');
}

function renderDefinitionEntry(m: MethodInfo): string {
  const i = m.inputTypes;
  const o = m.outputTypes;
  return [
    `  ${m.key}: {`,
    `    path: '${m.path}',`,
    `    requestStream: ${m.clientStreaming},`,
    `    responseStream: ${m.serverStreaming},`,
    `    requestSerialize: (message: ${i.plain}): Buffer => toBuffer(${i.message}.encode(message).finish()),`,
    `    requestDeserialize: (bytes: Buffer): ${i.message} => ${i.message}.decode(bytes),`,
    `    responseSerialize: (message: ${o.plain}): Buffer => toBuffer(${o.message}.encode(message).finish()),`,
    `    responseDeserialize: (bytes: Buffer): ${o.message} => ${o.message}.decode(bytes),`,
    '  },',
  ].join('\n');
}

function renderService(fullName: string, methods: MethodInfo[]): string {
  const name = fullName.slice(fullName.lastIndexOf('.') + 1);
  return `
/** Method table of ${fullName}: pass it to Server.addService with a ${name}Server. */
export const ${name}Definition = {
${methods.map(renderDefinitionEntry).join('\n')}
} satisfies grpc.ServiceDefinition;

/** A ${fullName} implementation: requests arrive decoded, responses go out as plain objects. */
export interface ${name}Server extends grpc.UntypedServiceImplementation {
${methods.map((m) => `  ${m.key}: ${renderHandlerType(m)};`).join('\n')}
}

/** A grpc-js client of ${fullName}. */
export interface ${name}Client extends grpc.Client {
${methods.map(renderClientMethod).join('\n')}
}

export const ${name}Client = grpc.makeGenericClientConstructor(
  ${name}Definition,
  '${fullName}',
) as unknown as {
  new (
    address: string,
    credentials: grpc.ChannelCredentials,
    options?: Partial<grpc.ClientOptions>,
  ): ${name}Client;
  service: typeof ${name}Definition;
  serviceName: string;
};
`;
}

/**
 * The module text: every service of the set's files, over the pbjs module at `pbjsModule`,
 * and every file of the set (imports included) for server reflection.
 */
export function renderGrpcServices(set: FileDescriptorSet, pbjsModule: string): string {
  const services: string[] = [];
  const roots = new Set<string>();
  for (const file of set.file) {
    for (const service of file.service) {
      const fullName = file.package ? `${file.package}.${service.name}` : service.name;
      const methods = service.method.map((m) => describeMethod(fullName, m));
      for (const m of methods) {
        for (const t of [m.input, m.output]) roots.add(t.replace(/^\./, '').split('.')[0] ?? '');
      }
      services.push(renderService(fullName, methods));
    }
  }
  const descriptors = set.file.map(
    (f) => `  '${Buffer.from(toBinary(FileDescriptorProtoSchema, f)).toString('base64')}',`,
  );
  return `
import * as grpc from '@grpc/grpc-js';
import { ${[...roots].sort().join(', ')} } from '${pbjsModule}';

/** A view of the encoder's bytes: protobufjs already writes Buffers on node, so do not copy. */
function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
${services.join('')}
/**
 * Serialized google.protobuf.FileDescriptorProto of ${set.file.map((f) => f.name).join(', ')}
 * (dependencies first), as buf compiled them: what server reflection serves.
 */
export const fileDescriptorProtos: readonly Buffer[] = [
${descriptors.join('\n')}
].map((base64) => Buffer.from(base64, 'base64'));
`;
}

// Plain values (types.ts) to and from the messages of both proto stacks of the lab: protobuf-es
// (connect-node) through its reflection API, protobufjs (grpc-js) through Type.fromObject and
// toObject. Also loads a version's contract as both libraries see it, from schemas/gen/evolution.

import {
  type DescEnum,
  type DescField,
  type DescMessage,
  type DescMethod,
  type DescService,
  type Message,
  protoInt64,
  ScalarType,
} from '@bufbuild/protobuf';
import {
  type ReflectList,
  type ReflectMap,
  type ReflectMessage,
  reflect,
} from '@bufbuild/protobuf/reflect';
import { base64Decode, base64Encode } from '@bufbuild/protobuf/wire';
import { FeatureSet_FieldPresence } from '@bufbuild/protobuf/wkt';
import protobuf from 'protobufjs';
import { EVOLUTION_PROTO_MODULES } from '../gen/evolution/index.ts';
import type { ChangeSet, Operation, Plain, PlainValue, Version } from './types.ts';

function isPlain(value: PlainValue | undefined): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expectPlain(value: PlainValue, where: string): Plain {
  if (!isPlain(value))
    throw new Error(`${where}: expected an object, got ${JSON.stringify(value)}`);
  return value;
}

function expectList(value: PlainValue, where: string): PlainValue[] {
  if (!Array.isArray(value))
    throw new Error(`${where}: expected a list, got ${JSON.stringify(value)}`);
  return value;
}

// --- protobuf-es -------------------------------------------------------------------------

const INT64_TYPES = new Set([
  ScalarType.INT64,
  ScalarType.SINT64,
  ScalarType.SFIXED64,
  ScalarType.UINT64,
  ScalarType.FIXED64,
]);
const UNSIGNED_64 = new Set([ScalarType.UINT64, ScalarType.FIXED64]);

function esScalarToPlain(value: unknown): PlainValue {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return base64Encode(value);
  return value as PlainValue;
}

/** An enum number by its name; a number the reader's enum does not list stays the number. */
function esEnumToPlain(desc: DescEnum, value: number): PlainValue {
  return desc.value[value]?.name ?? value;
}

/** An element of a list or a value of a map. */
function esItemToPlain(
  field: DescField & { fieldKind: 'list' | 'map' },
  value: unknown,
): PlainValue {
  const kind = field.fieldKind === 'list' ? field.listKind : field.mapKind;
  if (kind === 'message') return esReflectToPlain(value as ReflectMessage);
  if (kind === 'enum') return esEnumToPlain(field.enum!, value as number);
  return esScalarToPlain(value);
}

function esFieldToPlain(field: DescField, value: unknown): PlainValue {
  switch (field.fieldKind) {
    case 'scalar':
      return esScalarToPlain(value);
    case 'enum':
      return esEnumToPlain(field.enum, value as number);
    case 'message':
      return esReflectToPlain(value as ReflectMessage);
    case 'list':
      return [...(value as ReflectList)].map((item) => esItemToPlain(field, item));
    case 'map': {
      const out: Plain = {};
      for (const [key, item] of value as ReflectMap) {
        out[String(key)] = esItemToPlain(field, item);
      }
      return out;
    }
  }
}

function esReflectToPlain(message: ReflectMessage): Plain {
  const out: Plain = {};
  for (const field of message.fields) {
    // Lists, maps and implicit-presence scalars have no "unset" in the generated code: the
    // program reads [], {} or the zero value, so that is what it sees.
    const always =
      field.fieldKind === 'list' ||
      field.fieldKind === 'map' ||
      field.presence === FeatureSet_FieldPresence.IMPLICIT;
    if (!always && !message.isSet(field)) continue;
    out[field.jsonName] = esFieldToPlain(field, message.get(field));
  }
  return out;
}

/** A protobuf-es message as its program reads it. */
export function esToPlain(schema: DescMessage, message: Message): Plain {
  return esReflectToPlain(reflect(schema, message));
}

function esScalarFromPlain(type: ScalarType, value: PlainValue, where: string): unknown {
  if (INT64_TYPES.has(type)) {
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new Error(`${where}: expected a 64-bit integer, got ${JSON.stringify(value)}`);
    }
    return UNSIGNED_64.has(type) ? protoInt64.uParse(value) : protoInt64.parse(value);
  }
  if (type === ScalarType.BYTES) {
    if (typeof value !== 'string') throw new Error(`${where}: expected base64, got ${value}`);
    return base64Decode(value);
  }
  // Anything else goes to set() as is, which refuses a value of the wrong type.
  return value;
}

function esEnumFromPlain(desc: DescEnum, value: PlainValue, where: string): number {
  if (typeof value === 'number') return value;
  const known = typeof value === 'string' ? desc.values.find((v) => v.name === value) : undefined;
  if (!known)
    throw new Error(`${where}: ${JSON.stringify(value)} is not a value of ${desc.typeName}`);
  return known.number;
}

function esItemFromPlain(
  field: DescField & { fieldKind: 'list' | 'map' },
  value: PlainValue,
  where: string,
): unknown {
  const kind = field.fieldKind === 'list' ? field.listKind : field.mapKind;
  if (kind === 'message')
    return esReflectFromPlain(field.message!, expectPlain(value, where), where);
  if (kind === 'enum') return esEnumFromPlain(field.enum!, value, where);
  return esScalarFromPlain(field.scalar!, value, where);
}

function findEsField(schema: DescMessage, name: string): DescField | undefined {
  return (
    schema.fields.find((f) => f.jsonName === name) ??
    schema.fields.find((f) => f.localName === name)
  );
}

function esReflectFromPlain(schema: DescMessage, plain: Plain, where: string): ReflectMessage {
  const message = reflect(schema);
  for (const [name, value] of Object.entries(plain)) {
    const path = `${where}.${name}`;
    const field = findEsField(schema, name);
    if (!field) throw new Error(`${path}: ${schema.typeName} has no such field`);
    if (value === null) continue;
    switch (field.fieldKind) {
      case 'scalar':
        message.set(field, esScalarFromPlain(field.scalar, value, path));
        break;
      case 'enum':
        message.set(field, esEnumFromPlain(field.enum, value, path));
        break;
      case 'message':
        message.set(field, esReflectFromPlain(field.message, expectPlain(value, path), path));
        break;
      case 'list': {
        const list = message.get(field) as ReflectList;
        expectList(value, path).forEach((item, i) => {
          list.add(esItemFromPlain(field, item, `${path}[${i}]`));
        });
        break;
      }
      case 'map': {
        const map = message.get(field) as ReflectMap;
        for (const [key, item] of Object.entries(expectPlain(value, path))) {
          map.set(key, esItemFromPlain(field, item, `${path}.${key}`));
        }
        break;
      }
    }
  }
  return message;
}

/**
 * A protobuf-es message from a plain value of the schema's own version. A field the schema
 * does not have, or a value of the wrong type, throws: a client writes its own version's shape,
 * so either is a defect of the lab, not an observation.
 */
export function esFromPlain(schema: DescMessage, plain: Plain): Message {
  return esReflectFromPlain(schema, plain, schema.name).message;
}

// --- protobufjs ----------------------------------------------------------------------------

/**
 * toObject as the program reads a decoded message: defaults: the prototype's value of a field
 * that did not arrive (what reading the property gives); enums: String names a known number
 * and leaves an unknown one a number; longs: String, the decimal string of Plain; arrays and
 * objects: [] and {} for empty lists and maps, as the property reads.
 */
const TO_OBJECT: protobuf.IConversionOptions = {
  defaults: true,
  enums: String,
  longs: String,
  bytes: String,
  arrays: true,
  objects: true,
};

/**
 * toObject's output in declaration order (it writes lists and maps first), without the nulls
 * it writes for unset message fields: in Plain an unset field is absent. Unset members of a
 * oneof, proto3 `optional` included, it already leaves out.
 */
function orderPbjsObject(type: protobuf.Type, object: { [field: string]: unknown }): Plain {
  const out: Plain = {};
  for (const field of type.fieldsArray) {
    const value = object[field.name];
    if (value === null || value === undefined) continue;
    const nested = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    const order = (item: unknown) =>
      nested ? orderPbjsObject(nested, item as { [field: string]: unknown }) : (item as PlainValue);
    if (Array.isArray(value)) out[field.name] = value.map(order);
    else if (field instanceof protobuf.MapField) {
      out[field.name] = Object.fromEntries(
        Object.entries(value as { [key: string]: unknown }).map(([key, item]) => [
          key,
          order(item),
        ]),
      );
    } else out[field.name] = order(value);
  }
  return out;
}

/** A protobufjs message as its program reads it. */
export function pbjsToPlain(type: protobuf.Type, message: protobuf.Message): Plain {
  return orderPbjsObject(type, type.toObject(message, TO_OBJECT));
}

const PBJS_64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const PBJS_NUMBERS = new Set([
  'int32',
  'uint32',
  'sint32',
  'fixed32',
  'sfixed32',
  'double',
  'float',
]);

function checkPbjsValue(field: protobuf.Field, value: PlainValue, where: string): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    checkPbjsObject(resolved, expectPlain(value, where), where);
    return;
  }
  let ok: boolean;
  if (resolved instanceof protobuf.Enum) {
    ok =
      typeof value === 'number' ||
      (typeof value === 'string' && Object.hasOwn(resolved.values, value));
  } else if (PBJS_64.has(field.type)) {
    ok = typeof value === 'number' || (typeof value === 'string' && /^-?\d+$/.test(value));
  } else if (PBJS_NUMBERS.has(field.type)) {
    ok = typeof value === 'number';
  } else if (field.type === 'bool') {
    ok = typeof value === 'boolean';
  } else {
    ok = typeof value === 'string'; // string, and bytes as base64
  }
  if (!ok) throw new Error(`${where}: ${JSON.stringify(value)} is not a ${field.type}`);
}

function checkPbjsObject(type: protobuf.Type, plain: Plain, where: string): void {
  for (const [name, value] of Object.entries(plain)) {
    const path = `${where}.${name}`;
    const field = type.fields[name];
    if (!field) throw new Error(`${path}: ${type.fullName.slice(1)} has no such field`);
    if (value === null) continue;
    field.resolve();
    if (field.repeated) {
      expectList(value, path).forEach((item, i) => {
        checkPbjsValue(field, item, `${path}[${i}]`);
      });
    } else if (field instanceof protobuf.MapField) {
      for (const [key, item] of Object.entries(expectPlain(value, path)))
        checkPbjsValue(field, item, `${path}.${key}`);
    } else {
      checkPbjsValue(field, value, path);
    }
  }
}

/**
 * A protobufjs message from a plain value of the type's own version. fromObject coerces what
 * it is given (a string to an int32, an unknown enum name to nothing) and skips fields it does
 * not know, so the value is checked against the type first: a mismatch is a lab defect.
 */
export function pbjsFromPlain(type: protobuf.Type, plain: Plain): protobuf.Message {
  checkPbjsObject(type, plain, type.name);
  return type.fromObject(plain);
}

// --- contracts -----------------------------------------------------------------------------

/** A version's proto contract as both libraries load it from schemas/gen/evolution. */
export interface ProtoContract {
  /** The contract folder under schemas/evolution: 'base' or 'changes/<name>/v1|v2'. */
  folder: string;
  /** protoc-gen-es's service; its methods carry the message descriptors. */
  esService: DescService;
  /** The same service in protobufjs, from pbjs's JSON descriptor, every type resolved. */
  pbjsService: protobuf.Service;
}

const OPERATIONS: readonly Operation[] = ['getBook', 'createBook', 'listBooks'];

/** The lab's operation an rpc implements (GetBook → getBook), if it is one of them. */
export function operationOfMethod(rpcName: string): Operation | undefined {
  const name = `${rpcName.charAt(0).toLowerCase()}${rpcName.slice(1)}`;
  return OPERATIONS.find((o) => o === name);
}

function isService(value: unknown): value is DescService {
  return (
    typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'service'
  );
}

function findPbjsServices(namespace: protobuf.NamespaceBase): protobuf.Service[] {
  return namespace.nestedArray.flatMap((nested) => {
    if (nested instanceof protobuf.Service) return [nested];
    if (nested instanceof protobuf.Namespace) return findPbjsServices(nested);
    return [];
  });
}

async function loadFolder(folder: string): Promise<ProtoContract> {
  const modules = EVOLUTION_PROTO_MODULES[folder];
  if (!modules) {
    throw new Error(`no generated code for schemas/evolution/${folder}: run npm run generate`);
  }
  const [es, pbjs] = await Promise.all([modules.es(), modules.pbjs()]);
  const esServices = Object.values(es).filter(isService);
  // Not typed as INamespace in the generated module: protobufjs's IMethod declares `comment`
  // required, which pbjs's own JSON output leaves out.
  const root = protobuf.Root.fromJSON(pbjs.descriptor as protobuf.INamespace).resolveAll();
  const pbjsServices = findPbjsServices(root);
  const [esService] = esServices;
  const [pbjsService] = pbjsServices;
  if (esServices.length !== 1 || pbjsServices.length !== 1 || !esService || !pbjsService) {
    throw new Error(`schemas/evolution/${folder} must declare exactly one service`);
  }
  return { folder, esService, pbjsService };
}

const contracts = new Map<string, Promise<ProtoContract>>();

/** The contract of a version of a change set, loaded once per folder and process. */
export function loadProtoContract(change: ChangeSet, version: Version): Promise<ProtoContract> {
  const folder = change.contracts[version];
  let contract = contracts.get(folder);
  if (!contract) {
    contract = loadFolder(folder);
    // A failed load is not cached: the next caller sees the error again rather than a stale one.
    contract.catch(() => contracts.delete(folder));
    contracts.set(folder, contract);
  }
  return contract;
}

/** The protobuf-es method of an operation; undefined when the version does not declare it. */
export function findEsMethod(
  contract: ProtoContract,
  operation: Operation,
): DescMethod | undefined {
  return contract.esService.methods.find((m) => operationOfMethod(m.name) === operation);
}

/** The protobufjs method of an operation; undefined when the version does not declare it. */
export function findPbjsMethod(
  contract: ProtoContract,
  operation: Operation,
): protobuf.Method | undefined {
  return contract.pbjsService.methodsArray.find((m) => operationOfMethod(m.name) === operation);
}

/** The full service name gRPC paths use: /<name>/<Method>. */
export function serviceNameOf(contract: ProtoContract): string {
  return contract.esService.typeName;
}

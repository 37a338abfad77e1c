// What a version can say: the facts its contract has a place for, and those it promises are
// always there. A fact the reader's contract has no place for is not lost when it does not
// arrive (an old client never knew a new field); one it has a place for is.
//
// Read from the version's SDL: the catalogue writes the three contracts of a version with the
// same fields, names and nullability (proto3 has no required, and its implicit-presence
// scalars always read as a value, so nothing it could say is missing from this reading).

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  buildSchema,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLOutputType,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql';
import { factsOf } from '../../schemas/evolution/catalogue.ts';
import type {
  ChangeSet,
  Operation,
  Plain,
  PlainValue,
  Version,
} from '../../schemas/evolution/types.ts';

export const EVOLUTION_ROOT = resolve(import.meta.dirname, '../../schemas/evolution');

/** The facts a version can hold, and those its contract says are never absent. */
export interface Vocabulary {
  known: Set<string>;
  required: Set<string>;
}

export interface VersionVocabulary {
  /** The book as read (type Book). */
  book: Vocabulary;
  /** The book as written (input BookInput). */
  input: Vocabulary;
  /** The read request (arguments of the version's read operation). */
  read: Vocabulary;
}

type AnyType = GraphQLOutputType | GraphQLInputType;
type AnyField = GraphQLField<unknown, unknown> | GraphQLInputField;

/** A stand-in value of a type, so that a catalogue facts function can map a field's path. */
function sample(type: AnyType): PlainValue {
  const inner = getNullableType(type);
  if (isListType(inner)) return [sample(inner.ofType as AnyType)];
  const named = getNamedType(inner);
  if (isEnumType(named)) return named.getValues()[0]?.name ?? '';
  if (isObjectType(named) || isInputObjectType(named)) return fullValue(named.getFields());
  if (isScalarType(named) && (named.name === 'Int' || named.name === 'Float')) return 1;
  if (isScalarType(named) && named.name === 'Boolean') return true;
  return '1';
}

function fullValue(fields: Record<string, AnyField>): Plain {
  const out: Plain = {};
  for (const [name, field] of Object.entries(fields)) out[name] = sample(field.type);
  return out;
}

/** Every field path that is non-null all the way down from the top. */
function requiredPaths(fields: Record<string, AnyField>, prefix = ''): string[] {
  return Object.entries(fields).flatMap(([name, field]) => {
    if (!isNonNullType(field.type)) return [];
    const named = getNamedType(field.type);
    const path = `${prefix}${name}`;
    if (
      (isObjectType(named) || isInputObjectType(named)) &&
      !isListType(getNullableType(field.type))
    )
      return requiredPaths(named.getFields(), `${path}.`);
    return [path];
  });
}

function vocabularyOf(
  change: ChangeSet,
  version: Version,
  kind: 'book' | 'read',
  fields: Record<string, AnyField>,
): Vocabulary {
  const known = new Set(Object.keys(factsOf(change, version, fullValue(fields), kind)));
  // A required path keeps its name through the facts function only if it maps one to one;
  // the facts of a value holding just that path say which fact it became.
  const required = new Set<string>();
  const full = fullValue(fields);
  for (const path of requiredPaths(fields)) {
    const only = pick(full, path);
    for (const fact of Object.keys(factsOf(change, version, only, kind))) required.add(fact);
  }
  return { known, required };
}

/** A value holding only the field at a dotted path. */
function pick(value: Plain, path: string): Plain {
  const [head, ...rest] = path.split('.');
  if (head === undefined) return {};
  const field = value[head];
  if (rest.length === 0 || field === null || typeof field !== 'object' || Array.isArray(field))
    return field === undefined ? {} : { [head]: field };
  return { [head]: pick(field, rest.join('.')) };
}

const cache = new Map<string, VersionVocabulary>();

export function readOperationOf(change: ChangeSet, version: Version): Operation {
  return change.readOperation?.[version] ?? 'getBook';
}

export function vocabulary(
  change: ChangeSet,
  version: Version,
  root = EVOLUTION_ROOT,
): VersionVocabulary {
  const key = `${root}\0${change.name}\0${version}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const sdl = readFileSync(join(root, change.contracts[version], 'schema.graphql'), 'utf8');
  const schema = buildSchema(sdl);
  const book = schema.getType('Book');
  const input = schema.getType('BookInput');
  if (!isObjectType(book) || !isInputObjectType(input))
    throw new Error(`${change.name} ${version}: the SDL has no type Book and input BookInput`);
  const query = schema.getQueryType();
  const readField =
    readOperationOf(change, version) === 'listBooks'
      ? query?.getFields().books
      : query?.getFields().book;
  const args: Record<string, AnyField> = {};
  for (const arg of readField?.args ?? []) args[arg.name] = arg as unknown as AnyField;
  const result: VersionVocabulary = {
    book: vocabularyOf(change, version, 'book', book.getFields()),
    input: vocabularyOf(change, version, 'book', input.getFields()),
    read: vocabularyOf(change, version, 'read', args),
  };
  cache.set(key, result);
  return result;
}

// The catalogue against its contracts: every change set's folders hold three valid contracts
// that agree with each other on the operations, its sample values fit its schemas, and its
// facts say the same of v1 and v2 wherever the change leaves the data alone.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import {
  buildSchema,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  validateSchema,
} from 'graphql';
import { parse } from 'yaml';
import { CHANGE_SETS, factsOf, findChangeSet, flattenFacts } from './catalogue.ts';
import type { ChangeSet, Operation, Plain, PlainValue, Version } from './types.ts';
import { VERSIONS } from './types.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const EVOLUTION = resolve(import.meta.dirname);
const FILES = ['book.proto', 'schema.graphql', 'openapi.yaml'] as const;

/** The one version that lists books; every other has exactly getBook and createBook. */
const LISTING = new Set(['add-rpc:v2']);

/** Facts a change set alters on purpose: v1 and v2 books differ there. */
const ALTERED: Record<string, string[]> = {
  'single-to-list': ['tags'],
  'add-enum-value': ['genre'],
  'remove-enum-value': ['genre'],
};

const PROTO_METHOD: Record<Operation, string> = {
  getBook: 'GetBook',
  createBook: 'CreateBook',
  listBooks: 'ListBooks',
};

interface FieldDescriptor {
  name: string;
  jsonName: string;
}
interface FileDescriptorSet {
  file: {
    package?: string;
    messageType?: { name: string; field?: FieldDescriptor[] }[];
    service?: { name: string; method?: { name: string }[] }[];
  }[];
}

const built = new Map<string, FileDescriptorSet>();

/** buf's image of a contract folder as JSON; a folder is its own module, so no buf.yaml. */
function bufBuild(folder: string): FileDescriptorSet {
  const cached = built.get(folder);
  if (cached) return cached;
  const result = spawnSync(
    join(ROOT, 'node_modules/.bin/buf'),
    ['build', join('schemas/evolution', folder), '-o', '-#format=json'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(result.status, 0, `buf build ${folder}: ${result.stderr}`);
  const image = JSON.parse(result.stdout) as FileDescriptorSet;
  built.set(folder, image);
  return image;
}

function readContract(folder: string, file: (typeof FILES)[number]): string {
  return readFileSync(join(EVOLUTION, folder, file), 'utf8');
}

function sdlOf(folder: string): GraphQLSchema {
  const schema = buildSchema(readContract(folder, 'schema.graphql'));
  assert.deepEqual(validateSchema(schema).map(String), [], `${folder}/schema.graphql`);
  return schema;
}

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { operationId?: string }>>;
}

function openApiOf(folder: string): OpenApiDocument {
  return parse(readContract(folder, 'openapi.yaml')) as OpenApiDocument;
}

function protoOperations(image: FileDescriptorSet): Operation[] {
  const service = image.file.flatMap((f) => f.service ?? []).find((s) => s.name === 'BookService');
  assert.ok(service, 'service BookService');
  const methods = new Set((service.method ?? []).map((m) => m.name));
  return (Object.keys(PROTO_METHOD) as Operation[]).filter((op) => methods.has(PROTO_METHOD[op]));
}

function graphqlOperations(schema: GraphQLSchema): Operation[] {
  const query = schema.getQueryType()?.getFields() ?? {};
  const mutation = schema.getMutationType()?.getFields() ?? {};
  const ops: Operation[] = [];
  if (query.book) ops.push('getBook');
  if (mutation.createBook) ops.push('createBook');
  if (query.books) ops.push('listBooks');
  return ops;
}

function openApiOperations(doc: OpenApiDocument): string[] {
  return Object.values(doc.paths)
    .flatMap((item) => Object.values(item).map((op) => op.operationId))
    .filter((id): id is string => id !== undefined);
}

function expectedOperations(change: ChangeSet, version: Version): Operation[] {
  const ops: Operation[] = ['getBook', 'createBook'];
  if (LISTING.has(`${change.name}:${version}`)) ops.push('listBooks');
  return ops;
}

const sorted = (values: readonly string[]) => [...values].sort();

function isRecord(value: PlainValue | undefined): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Where a plain value does not fit a GraphQL type: unknown fields, missing non-null fields,
 * enum names the type lacks, a scalar of the wrong kind. The SDL is the catalogue's yardstick
 * because the three contracts of a version share fields, names and nullability.
 */
function misfits(
  type: GraphQLOutputType | GraphQLInputType,
  value: PlainValue | undefined,
  path: string,
): string[] {
  if (value === undefined || value === null) return isNonNullType(type) ? [`${path}: missing`] : [];
  const inner = getNullableType(type);
  if (isListType(inner)) {
    if (!Array.isArray(value)) return [`${path}: not a list`];
    return value.flatMap((v, i) => misfits(inner.ofType, v, `${path}[${i}]`));
  }
  if (isEnumType(inner))
    return inner.getValue(String(value)) ? [] : [`${path}: ${value} is not a ${inner.name}`];
  if (isObjectType(inner) || isInputObjectType(inner)) {
    if (!isRecord(value)) return [`${path}: not an object`];
    const fields = inner.getFields();
    const unknown = Object.keys(value)
      .filter((f) => !(f in fields))
      .map((f) => `${path}.${f}: not in ${inner.name}`);
    return unknown.concat(
      Object.entries(fields).flatMap(([name, field]) => {
        // An input field with a default may be left out: the default applies.
        if (
          value[name] === undefined &&
          'defaultValue' in field &&
          field.defaultValue !== undefined
        )
          return [];
        return misfits(field.type, value[name], `${path}.${name}`);
      }),
    );
  }
  if (isScalarType(inner)) {
    if (inner.name === 'Int') return Number.isInteger(value) ? [] : [`${path}: not an Int`];
    if (inner.name === 'Boolean')
      return typeof value === 'boolean' ? [] : [`${path}: not a Boolean`];
    if (inner.name === 'Float') return typeof value === 'number' ? [] : [`${path}: not a Float`];
    // String, and the custom scalars, which Plain carries as strings (Long: decimal digits).
    if (inner.name === 'Long') return /^-?\d+$/.test(String(value)) ? [] : [`${path}: not a Long`];
    return typeof value === 'string' ? [] : [`${path}: not a String`];
  }
  return [`${path}: unexpected type`];
}

/** The first line of a contract file, where its header comment names the change. */
function headerOf(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** A contract without its header comment and the OpenAPI info.version, for comparing versions. */
function bodyOf(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => !/^(\/\/|#)/.test(line));
  return lines
    .slice(start)
    .filter((line) => !/^ {2}version: /.test(line))
    .join('\n')
    .trim();
}

describe('the change-set catalogue', () => {
  it('names every change set once, in kebab-case', () => {
    const names = CHANGE_SETS.map((c) => c.name);
    assert.equal(new Set(names).size, names.length);
    for (const name of names) assert.match(name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    assert.equal(findChangeSet('rename-field')?.name, 'rename-field');
    assert.equal(findChangeSet('no-such-change'), undefined);
  });

  it('has a catalogue entry for every folder under changes/, and no other folder', () => {
    const folders = readdirSync(join(EVOLUTION, 'changes'));
    assert.deepEqual(sorted(folders), sorted(CHANGE_SETS.map((c) => c.name)));
    for (const change of CHANGE_SETS) {
      const versions = readdirSync(join(EVOLUTION, 'changes', change.name));
      const own = change.contracts.v1 === `changes/${change.name}/v1`;
      assert.deepEqual(sorted(versions), own ? ['v1', 'v2'] : ['v2'], change.name);
    }
  });

  it('flattens nested objects to dotted paths and keeps lists whole', () => {
    assert.deepEqual(flattenFacts({ id: 1, publication: { year: 1969 }, tags: ['a'] }), {
      id: 1,
      'publication.year': 1969,
      tags: ['a'],
    });
  });

  it('lints every OpenAPI contract with redocly without errors', () => {
    const files = [
      'base/openapi.yaml',
      ...CHANGE_SETS.flatMap((c) => VERSIONS.map((v) => `${c.contracts[v]}/openapi.yaml`)),
    ];
    const result = spawnSync(
      join(ROOT, 'node_modules/.bin/redocly'),
      ['lint', ...new Set(files.map((f) => join('schemas/evolution', f))), '--format=stylish'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  });
});

for (const change of CHANGE_SETS) {
  describe(change.name, () => {
    it('keeps its contracts where the catalogue says', () => {
      assert.equal(change.contracts.v2, `changes/${change.name}/v2`);
      assert.ok(
        change.contracts.v1 === 'base' || change.contracts.v1 === `changes/${change.name}/v1`,
        change.contracts.v1,
      );
      assert.ok(change.description.length > 0 && !change.description.includes('\n'));
      assert.ok(change.use.length > 0);
    });

    for (const version of VERSIONS) {
      const folder = change.contracts[version];

      it(`${version}: has book.proto, schema.graphql and openapi.yaml in ${folder}`, () => {
        for (const file of FILES) assert.ok(existsSync(join(EVOLUTION, folder, file)), file);
      });

      if (folder !== 'base') {
        it(`${version}: names the change in each contract's first line`, () => {
          for (const file of FILES) {
            const mark = file === 'book.proto' ? '//' : '#';
            assert.ok(
              headerOf(readContract(folder, file)).startsWith(
                `${mark} ${change.name} ${version}: `,
              ),
              `${folder}/${file}`,
            );
          }
        });
      }

      it(`${version}: declares the same operations in all three contracts`, () => {
        const expected = sorted(expectedOperations(change, version));
        const image = bufBuild(folder);
        assert.deepEqual(
          image.file.map((f) => f.package),
          ['evolution.v1'],
        );
        assert.deepEqual(sorted(protoOperations(image)), expected, 'proto');
        assert.deepEqual(sorted(graphqlOperations(sdlOf(folder))), expected, 'graphql');
        const doc = openApiOf(folder);
        assert.match(doc.openapi, /^3\.1\.\d+$/);
        assert.deepEqual(sorted(Object.keys(doc.paths)), ['/books', '/books/{id}']);
        assert.deepEqual(sorted(openApiOperations(doc)), expected, 'openapi');
        const read = change.readOperation?.[version] ?? 'getBook';
        assert.ok(expected.includes(read), `reads with ${read}`);
      });

      it(`${version}: requires in the proto handler only fields its Book has`, () => {
        const book = bufBuild(folder)
          .file.flatMap((f) => f.messageType ?? [])
          .find((m) => m.name === 'Book');
        const fields = new Set((book?.field ?? []).map((f) => f.jsonName));
        for (const field of change.protoRequires?.[version] ?? [])
          assert.ok(fields.has(field), field);
      });

      it(`${version}: holds, writes and reads values that fit its schema`, () => {
        const schema = sdlOf(folder);
        const bookType = schema.getType('Book');
        const inputType = schema.getType('BookInput');
        assert.ok(isObjectType(bookType) && isInputObjectType(inputType));
        const book = change.book[version];
        assert.deepEqual(misfits(bookType, book, 'book'), []);
        const { id: _id, ...written } = change.write?.[version] ?? book;
        assert.deepEqual(misfits(inputType, written, 'write'), []);
        const read = change.readOperation?.[version] ?? 'getBook';
        const readField = schema.getQueryType()?.getFields()[
          read === 'listBooks' ? 'books' : 'book'
        ];
        assert.ok(readField);
        const request =
          change.read?.[version] ?? (read === 'listBooks' ? {} : { id: book.id ?? 0 });
        const args = Object.fromEntries(readField.args.map((a) => [a.name, a]));
        for (const [name, value] of Object.entries(request)) {
          const arg = args[name];
          assert.ok(arg, `read argument ${name}`);
          assert.deepEqual(misfits(arg.type, value, `read.${name}`), []);
        }
        for (const arg of readField.args)
          if (isNonNullType(arg.type)) assert.ok(arg.name in request, `read argument ${arg.name}`);
      });
    }

    it('changes every contract from v1 to v2', () => {
      for (const file of FILES)
        assert.notEqual(
          bodyOf(readContract(change.contracts.v1, file)),
          bodyOf(readContract(change.contracts.v2, file)),
          file,
        );
    });

    it('says the same of v1 and v2 books wherever the change leaves the data alone', () => {
      const v1 = factsOf(change, 'v1', change.book.v1, 'book');
      const v2 = factsOf(change, 'v2', change.book.v2, 'book');
      const altered = new Set(ALTERED[change.name] ?? []);
      const shared = Object.keys(v1).filter((fact) => fact in v2);
      // Every change set keeps most of the book: the comparison must have something to compare.
      assert.ok(shared.length >= 6, `shared facts: ${shared.join(', ')}`);
      for (const fact of shared) {
        if (altered.has(fact)) assert.notDeepEqual(v1[fact], v2[fact], `${fact} is altered`);
        else assert.deepEqual(v1[fact], v2[fact], fact);
      }
      for (const fact of altered) assert.ok(shared.includes(fact), `${fact} is shared`);
    });
  });
}

describe('facts that map a changed shape back', () => {
  const facts = (name: string, version: Version, value: Plain) =>
    factsOf(findChangeSet(name)!, version, value, 'book');

  it('rename-field: name means title', () => {
    assert.deepEqual(facts('rename-field', 'v2', { name: 'A' }), { title: 'A' });
  });

  it('int32-to-int64: 304 and "304" are the same count', () => {
    assert.deepEqual(facts('int32-to-int64', 'v1', { pages: 304 }), { pages: '304' });
    assert.deepEqual(facts('int32-to-int64', 'v2', { pages: 304 }), { pages: '304' });
    assert.deepEqual(facts('int32-to-int64', 'v2', { pages: '304' }), { pages: '304' });
  });

  it('scalar-to-message and move-to-nested: the nested field means the old one', () => {
    assert.deepEqual(facts('scalar-to-message', 'v2', { author: { name: 'A' } }), {
      authorName: 'A',
    });
    assert.deepEqual(facts('move-to-nested', 'v2', { publication: { year: 1969 } }), {
      year: 1969,
    });
  });

  it('single-to-list: one tag is a list of one', () => {
    assert.deepEqual(facts('single-to-list', 'v1', { tag: 'classic' }), { tags: ['classic'] });
  });

  it('split-field: the parts join with a space, and unset parts say no name', () => {
    assert.deepEqual(
      facts('split-field', 'v2', { authorFirstName: 'Ursula K.', authorLastName: 'Le Guin' }),
      { authorName: 'Ursula K. Le Guin' },
    );
    assert.deepEqual(facts('split-field', 'v2', { authorFirstName: '', authorLastName: '' }), {
      authorName: '',
    });
  });

  it('add-rpc: a listBooks answer means the book it holds', () => {
    assert.deepEqual(facts('add-rpc', 'v2', { books: [{ id: 7 }] }), { id: 7 });
  });

  it('change-default: writers of each version expect their own default, so they disagree', () => {
    const change = findChangeSet('change-default')!;
    const v1 = factsOf(change, 'v1', change.write!.v1!, 'book');
    const v2 = factsOf(change, 'v2', change.write!.v2!, 'book');
    assert.equal(v1.format, 'PAPERBACK');
    assert.equal(v2.format, 'HARDCOVER');
    assert.deepEqual(factsOf(change, 'v2', { id: 7 }, 'read'), { id: 7 });
  });
});

// Plain ↔ protobuf-es and Plain ↔ protobufjs, checked against each other on every change set's
// books and on the cases where the two libraries could differ: presence, unknown enum numbers,
// 64-bit integers, nested and repeated fields, values a version does not have.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { CHANGE_SETS, findChangeSet } from './catalogue.ts';
import {
  esFromPlain,
  esToPlain,
  findEsMethod,
  findPbjsMethod,
  loadProtoContract,
  operationOfMethod,
  type ProtoContract,
  pbjsFromPlain,
  pbjsToPlain,
} from './proto-plain.ts';
import type { ChangeSet, Plain, Version } from './types.ts';

function change(name: string): ChangeSet {
  const found = findChangeSet(name);
  assert.ok(found, `change set ${name} is in the catalogue`);
  return found;
}

async function bookTypes(contract: ProtoContract) {
  const es = findEsMethod(contract, 'createBook')?.input;
  const pbjs = findPbjsMethod(contract, 'createBook')?.resolvedRequestType;
  assert.ok(es && pbjs, `${contract.folder} has CreateBook`);
  return { es, pbjs };
}

/** The book written by one library of `from` and read by the other of `to`, both ways. */
async function across(name: string, from: Version, to: Version, book: Plain) {
  const c = change(name);
  const writer = await bookTypes(await loadProtoContract(c, from));
  const reader = await bookTypes(await loadProtoContract(c, to));
  const esBytes = toBinary(writer.es, esFromPlain(writer.es, book));
  const pbjsBytes = writer.pbjs.encode(pbjsFromPlain(writer.pbjs, book)).finish();
  return {
    esReadsPbjs: esToPlain(reader.es, fromBinary(reader.es, pbjsBytes)),
    pbjsReadsEs: pbjsToPlain(reader.pbjs, reader.pbjs.decode(esBytes)),
  };
}

describe('Plain ↔ proto messages', () => {
  for (const c of CHANGE_SETS) {
    for (const version of ['v1', 'v2'] as const) {
      test(`${c.name} ${version}: both libraries read the book as it was written`, async () => {
        const { esReadsPbjs, pbjsReadsEs } = await across(
          c.name,
          version,
          version,
          c.book[version],
        );
        assert.deepEqual(esReadsPbjs, pbjsReadsEs);
        // In the contract's field order on both sides, so samples read alike.
        assert.deepEqual(Object.keys(pbjsReadsEs), Object.keys(esReadsPbjs));
        // Every field a book leaves out is one with presence, so the book reads back whole.
        assert.deepEqual(esReadsPbjs, c.book[version]);
      });
    }
  }

  test('implicit-presence scalars read as their zero value; unset optional fields are absent', async () => {
    const { esReadsPbjs, pbjsReadsEs } = await across('add-optional-field', 'v2', 'v2', { id: 1 });
    const expected = {
      id: 1,
      title: '',
      authorName: '',
      pages: 0,
      year: 0,
      genre: 'GENRE_UNSPECIFIED',
      tag: '',
      format: 'PAPERBACK',
    };
    assert.deepEqual(esReadsPbjs, expected);
    assert.deepEqual(pbjsReadsEs, expected);
  });

  test('an optional field set to its zero value is present', async () => {
    const { esReadsPbjs, pbjsReadsEs } = await across('add-optional-field', 'v2', 'v2', {
      subtitle: '',
    });
    assert.equal(esReadsPbjs.subtitle, '');
    assert.equal(pbjsReadsEs.subtitle, '');
  });

  test('an enum number the reader does not know reads as the number', async () => {
    const c = change('add-enum-value');
    const { esReadsPbjs, pbjsReadsEs } = await across(c.name, 'v2', 'v1', c.book.v2);
    assert.equal(esReadsPbjs.genre, 4);
    assert.equal(pbjsReadsEs.genre, 4);
  });

  test('64-bit integers are decimal strings, and an int32 reader sees the same number', async () => {
    const c = change('int32-to-int64');
    const wide = await across(c.name, 'v2', 'v2', { pages: '9007199254740993' });
    assert.equal(wide.esReadsPbjs.pages, '9007199254740993');
    assert.equal(wide.pbjsReadsEs.pages, '9007199254740993');
    const narrow = await across(c.name, 'v2', 'v1', { pages: '304' });
    assert.equal(narrow.esReadsPbjs.pages, 304);
    assert.equal(narrow.pbjsReadsEs.pages, 304);
  });

  test('nested messages are present only when set, lists always', async () => {
    const nested = await across('scalar-to-message', 'v2', 'v2', { id: 1 });
    assert.equal('author' in nested.esReadsPbjs, false);
    assert.equal('author' in nested.pbjsReadsEs, false);
    const listed = await across('single-to-list', 'v2', 'v2', { id: 1 });
    assert.deepEqual(listed.esReadsPbjs.tags, []);
    assert.deepEqual(listed.pbjsReadsEs.tags, []);
  });

  test('a value of another version or of the wrong type is refused, not coerced', async () => {
    const { es, pbjs } = await bookTypes(await loadProtoContract(change('rename-field'), 'v1'));
    const values: Plain[] = [{ name: 'x' }, { year: '1969' }, { genre: 'POETRY' }, { tag: ['a'] }];
    for (const bad of values) {
      assert.throws(() => esFromPlain(es, bad), `protobuf-es refuses ${JSON.stringify(bad)}`);
      assert.throws(() => pbjsFromPlain(pbjs, bad), `protobufjs refuses ${JSON.stringify(bad)}`);
    }
  });

  test('every contract folder of the catalogue loads, with one rpc per operation it declares', async () => {
    for (const c of CHANGE_SETS) {
      for (const version of ['v1', 'v2'] as const) {
        const contract = await loadProtoContract(c, version);
        const es = contract.esService.methods.map((m) => operationOfMethod(m.name));
        const pbjs = contract.pbjsService.methodsArray.map((m) => operationOfMethod(m.name));
        assert.deepEqual(es, pbjs, `${c.name} ${version}`);
        assert.ok(es.includes('getBook') && es.includes('createBook'), `${c.name} ${version}`);
      }
    }
  });
});

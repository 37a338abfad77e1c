// The classification of one leg, on facts written out by hand: what counts as loss, as wrong
// data, and what does not count at all (a fact the reader's contract has no place for).
// bench/evolution/lab.spec.ts proves the same classes from real exchanges.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyLeg, worst } from './classify.ts';
import type { Vocabulary } from './vocabulary.ts';

const reader = (known: string[], required: string[] = []): Vocabulary => ({
  known: new Set(known),
  required: new Set(required),
});

describe('classifyLeg', () => {
  test('equal facts work, and a fact the reader cannot hold is not a loss', () => {
    const v = classifyLeg({ title: 'A', subtitle: 'B' }, { title: 'A' }, reader(['title']));
    assert.equal(v.outcome, 'works');
    assert.deepEqual(v.unknownToReceiver, ['subtitle']);
  });

  test('a fact the reader can hold that did not arrive is a silent loss', () => {
    const v = classifyLeg(
      { title: 'A', subtitle: 'B' },
      { title: 'A' },
      reader(['title', 'subtitle']),
    );
    assert.equal(v.outcome, 'silent-loss');
    assert.deepEqual(v.discrepancies, [{ fact: 'subtitle', kind: 'dropped', sent: 'B' }]);
  });

  test('a null read is no value', () => {
    const v = classifyLeg({ subtitle: 'B' }, { subtitle: null }, reader(['subtitle']));
    assert.equal(v.outcome, 'silent-loss');
  });

  test('a value read differently, or read where nothing was sent, is silent wrong data', () => {
    const changed = classifyLeg({ genre: 'POETRY' }, { genre: 4 }, reader(['genre']));
    assert.equal(changed.outcome, 'silent-wrong-data');
    assert.deepEqual(changed.discrepancies, [
      { fact: 'genre', kind: 'changed', sent: 'POETRY', read: 4 },
    ]);
    const defaulted = classifyLeg({}, { pages: 0 }, reader(['pages']));
    assert.equal(defaulted.outcome, 'silent-wrong-data');
    assert.equal(defaulted.discrepancies[0]?.kind, 'defaulted');
  });

  test('a required fact neither side had is a silent loss', () => {
    const v = classifyLeg({ title: 'A' }, { title: 'A' }, reader(['title', 'isbn'], ['isbn']));
    assert.equal(v.outcome, 'silent-loss');
    assert.deepEqual(v.discrepancies, [{ fact: 'isbn', kind: 'required-missing' }]);
  });

  test('lists and nested values compare by value', () => {
    const v = classifyLeg({ tags: ['a', 'b'] }, { tags: ['b'] }, reader(['tags']));
    assert.equal(v.outcome, 'silent-wrong-data');
    assert.equal(classifyLeg({ tags: ['a'] }, { tags: ['a'] }, reader(['tags'])).outcome, 'works');
  });

  test('worst orders works < loud failure < silent loss < silent wrong data', () => {
    assert.equal(worst([]), 'works');
    assert.equal(worst(['works', 'loud-failure']), 'loud-failure');
    assert.equal(worst(['silent-loss', 'loud-failure']), 'silent-loss');
    assert.equal(worst(['silent-loss', 'silent-wrong-data', 'works']), 'silent-wrong-data');
  });
});

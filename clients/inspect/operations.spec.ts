// The inspector's operations: found by name in any letter case, and the ones whose response is
// one book say so (the inspector decodes that book from the wire).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findOperation, OPERATION_NAMES, OPERATIONS, type Operation } from './operations.ts';

describe('operations', () => {
  it('finds an operation whatever the letter case, and nothing for an unknown name', () => {
    assert.equal(findOperation('getbook'), 'GetBook');
    assert.equal(findOperation('STREAMCATALOG'), 'StreamCatalog');
    assert.equal(findOperation('FetchEverything'), undefined);
  });

  it('marks exactly the single-book responses', () => {
    const books = OPERATION_NAMES.filter((name) => (OPERATIONS[name] as Operation).returnsBook);
    assert.deepEqual(books, ['GetBook', 'CreateBook']);
  });
});

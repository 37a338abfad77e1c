import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadScenarios, parseScenario, selectScenarios } from './index.ts';

describe('scenarios', () => {
  const all = loadScenarios();

  it('covers every pattern of the design, each scenario valid and uniquely named', () => {
    assert.equal(new Set(all.map((s) => s.name)).size, all.length);
    for (const pattern of [
      'crud',
      'nested',
      'large payload',
      'streaming updates',
      'client streaming',
      'bidirectional',
    ]) {
      assert.ok(
        all.some((s) => s.pattern === pattern),
        `a scenario for ${pattern}`,
      );
    }
  });

  it('selects by profile, exact name and regular expression', () => {
    assert.deepEqual(
      selectScenarios(all, undefined, 'quick').map((s) => s.name),
      all.filter((s) => s.profiles.includes('quick')).map((s) => s.name),
    );
    assert.deepEqual(
      selectScenarios(all, ['nested-.*', 'crud-read'], 'quick').map((s) => s.name),
      ['crud-read', 'nested-naive', 'nested-batched'],
    );
    assert.throws(() => selectScenarios(all, ['nope'], 'full'), /no scenario matches nope/);
  });

  it('rejects a scenario file with an unknown field or operation', () => {
    const base = { name: 'x', pattern: 'p', description: 'd', mode: 'unary', operation: 'getBook' };
    assert.equal(parseScenario('x.json', base).capacity, false);
    assert.throws(
      () => parseScenario('x.json', { ...base, durations: 1 }),
      /unknown field "durations"/,
    );
    assert.throws(
      () => parseScenario('x.json', { ...base, operation: 'fly' }),
      /"operation" must be one of/,
    );
    assert.throws(() => parseScenario('y.json', base), /must match the file name/);
  });
});

// The evolution lab end to end on a few change sets: real servers of both versions in their
// child process, real clients of every variant, and each outcome class shown from a real
// exchange for every protocol family (REST, GraphQL, binary protobuf, protobuf JSON). The
// expectations are what those libraries do today; a library or a classification that changes
// behaviour makes them fail, which is the point.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { EvolutionVariant } from '../../schemas/evolution/types.ts';
import { EVOLUTION_VARIANTS } from '../../schemas/evolution/types.ts';
import type { Discrepancy } from './classify.ts';
import { disagreementsOf, runEvolution } from './lab.ts';
import type { Direction, EvolutionCell, EvolutionResults, ExchangeObservation } from './results.ts';

const CHANGES = [
  'add-optional-field',
  'add-required-field',
  'add-enum-value',
  'rename-field',
  'required-to-optional',
  'change-default',
];

describe('evolution lab', { timeout: 180_000 }, () => {
  let results: EvolutionResults;

  before(async () => {
    results = await runEvolution({ changes: CHANGES, checkers: false });
  });

  const cell = (change: string, variant: EvolutionVariant, direction: Direction): EvolutionCell => {
    const found = results.changes
      .find((c) => c.name === change)
      ?.cells.find((c) => c.variant === variant && c.direction === direction);
    assert.ok(found, `${change} ${variant} ${direction}`);
    return found;
  };
  const discrepancies = (e: ExchangeObservation): Discrepancy[] =>
    e.legs.flatMap((l) => l.discrepancies);

  test('every equal-version exchange works (the lab checks itself)', () => {
    assert.deepEqual(
      results.baselineFailures.map((c) => `${c.change} ${c.variant} ${c.direction}`),
      [],
    );
    assert.equal(results.changes.length, CHANGES.length);
    for (const change of results.changes)
      assert.equal(change.cells.length, EVOLUTION_VARIANTS.length * 2, change.name);
  });

  test('works: an old client reads a book that gained an optional field, on every variant', () => {
    for (const variant of EVOLUTION_VARIANTS) {
      const c = cell('add-optional-field', variant, 'old-client-new-server');
      assert.equal(c.read.outcome, 'works', variant);
      // the subtitle was sent and the old reader has no place for it: not a loss
      const response = c.read.legs.find((l) => l.leg === 'response');
      assert.deepEqual(response?.unknownToReceiver, ['subtitle'], variant);
    }
  });

  test('loud failure: each family names the error in its own code', () => {
    const rest = cell('add-required-field', 'rest', 'old-client-new-server').write;
    assert.equal(rest.outcome, 'loud-failure');
    assert.equal(rest.failure?.code, '400');
    assert.match(rest.failure?.message ?? '', /isbn/);
    const graphql = cell('add-optional-field', 'graphql', 'new-client-old-server').read;
    assert.equal(graphql.failure?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(graphql.failure?.message ?? '', /subtitle/);
    // proto3 has no required: the v2 handler refuses, in gRPC's and Connect's spelling
    assert.equal(
      cell('add-required-field', 'grpc', 'old-client-new-server').write.failure?.code,
      'INVALID_ARGUMENT',
    );
    assert.equal(
      cell('add-required-field', 'connect-json', 'old-client-new-server').write.failure?.code,
      'invalid_argument',
    );
  });

  test('silent loss: a value the writer sent is gone when it reads back, with no error', () => {
    // the old server keeps no subtitle; REST, grpc-js (protobufjs drops unknown fields) and
    // Connect's JSON say nothing, protobuf-es in binary keeps the field and sends it back
    for (const variant of ['rest', 'grpc', 'connect-json'] as const) {
      const write = cell('add-optional-field', variant, 'new-client-old-server').write;
      assert.equal(write.outcome, 'silent-loss', variant);
      assert.deepEqual(discrepancies(write), [
        { fact: 'subtitle', kind: 'dropped', sent: 'A novel of Gethen' },
      ]);
    }
    assert.equal(
      cell('add-optional-field', 'connect-proto', 'new-client-old-server').write.outcome,
      'works',
    );
    // GraphQL: a title the new server may leave null reaches an old client whose schema says
    // String!, without an error
    const graphql = cell('required-to-optional', 'graphql', 'old-client-new-server').read;
    assert.equal(graphql.outcome, 'silent-loss');
    assert.deepEqual(discrepancies(graphql), [{ fact: 'title', kind: 'required-missing' }]);
    const rest = cell('rename-field', 'rest', 'old-client-new-server').read;
    assert.equal(rest.outcome, 'silent-loss');
    assert.equal(discrepancies(rest)[0]?.fact, 'title');
  });

  test('silent wrong data: a value arrives as something else', () => {
    // an enum number the old reader does not know reads as the number in binary protobuf...
    for (const variant of ['grpc', 'connect-proto', 'grpc-web'] as const) {
      const read = cell('add-enum-value', variant, 'old-client-new-server').read;
      assert.equal(read.outcome, 'silent-wrong-data', variant);
      assert.deepEqual(discrepancies(read), [
        { fact: 'genre', kind: 'changed', sent: 'POETRY', read: 4 },
      ]);
    }
    // ...and as the zero value over Connect's JSON (the client ignores unknown enum names)
    const json = cell('add-enum-value', 'connect-json', 'old-client-new-server').read;
    assert.deepEqual(discrepancies(json), [
      { fact: 'genre', kind: 'changed', sent: 'POETRY', read: 'GENRE_UNSPECIFIED' },
    ]);
    // a renamed field over JSON: the old reader sees its field's zero value
    const renamed = cell('rename-field', 'connect-json', 'old-client-new-server').read;
    assert.equal(renamed.outcome, 'silent-wrong-data');
    assert.deepEqual(discrepancies(renamed), [
      { fact: 'title', kind: 'changed', sent: 'The Left Hand of Darkness', read: '' },
    ]);
    // the server applies its own default where the writer left the field out
    for (const variant of ['rest', 'graphql'] as const) {
      const write = cell('change-default', variant, 'old-client-new-server').write;
      assert.equal(write.outcome, 'silent-wrong-data', variant);
      const request = write.legs.find((l) => l.leg === 'request');
      assert.deepEqual(request?.discrepancies, [
        { fact: 'format', kind: 'changed', sent: 'PAPERBACK', read: 'HARDCOVER' },
      ]);
    }
  });

  test('evidence is kept for every cell that did not work, and only for those', () => {
    for (const change of results.changes) {
      for (const c of change.cells) {
        for (const e of [c.read, c.write]) {
          const legsWithFacts = e.legs.filter((l) => l.sent !== undefined);
          if (e.outcome === 'works') {
            assert.equal(legsWithFacts.length, 0);
            assert.equal(e.bytes, undefined);
          } else if (e.outcome === 'loud-failure') {
            assert.ok(e.failure?.message, `${change.name} ${c.variant}`);
          } else {
            assert.ok(legsWithFacts.length > 0, `${change.name} ${c.variant} ${c.direction}`);
          }
        }
      }
    }
    const grpc = cell('add-enum-value', 'grpc', 'old-client-new-server').read;
    assert.ok(grpc.bytes?.clientReceived, 'grpc keeps the response bytes');
  });

  test('a checker that passes a change that lost data, or fails one that worked, is marked', () => {
    const change = results.changes.find((c) => c.name === 'add-optional-field');
    assert.ok(change);
    const tool = 'test';
    const marked = disagreementsOf(change.name, change.cells, [
      { checker: 'buf breaking WIRE', contract: 'proto', verdict: 'safe', findings: [], tool },
      {
        checker: 'graphql-inspector',
        contract: 'graphql',
        verdict: 'breaking',
        findings: [],
        tool,
      },
    ]);
    // grpc lost the subtitle on the echo: WIRE's "safe" is marked
    assert.deepEqual(
      marked.map((d) => [d.checker, d.kind, d.variants]),
      [['buf breaking WIRE', 'passed-but-failed', ['grpc']]],
    );
    assert.deepEqual(marked[0]?.directions, ['new-client-old-server']);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildFixtureRun, plantChanges } from '../fixtures/fixture-run.ts';
import {
  type Change,
  checkSelectors,
  compareRuns,
  parseMetricSelector,
  renderCompareMarkdown,
  SelectorError,
} from './compare.ts';

function find(
  changes: Change[],
  scenario: string,
  variant: string,
  metric: string,
  level?: number,
) {
  const c = changes.find(
    (x) =>
      x.scenario === scenario &&
      x.variant === variant &&
      x.metric === metric &&
      (level === undefined || x.level === level),
  );
  assert.ok(c, `${scenario}@${variant} ${metric}`);
  return c;
}

describe('compareRuns', () => {
  const a = buildFixtureRun({ id: 'A' });
  const b = plantChanges(a);

  test('flags the planted regression and calls the in-noise change noise', () => {
    const cmp = compareRuns(a, b);
    const regression = find(cmp.changes, 'crud-read', 'grpc', 'throughput', 16);
    assert.equal(regression.verdict, 'regression');
    assert.ok(Math.abs((regression.deltaPercent ?? 0) + 20) < 1e-9);
    assert.ok(Math.abs((regression.worsePercent ?? 0) - 20) < 1e-9);
    const noise = find(cmp.changes, 'crud-read', 'rest', 'p99', 16);
    assert.equal(noise.verdict, 'noise');
    assert.ok(Math.abs((noise.deltaPercent ?? 0) - 5) < 1e-9);
    const improvement = find(cmp.changes, 'nested-naive', 'connect-proto-h2', 'throughput', 16);
    assert.equal(improvement.verdict, 'improvement');
    // Bytes are exact: ten more is a real (if small) regression.
    const bytes = find(cmp.changes, 'crud-read', 'grpc', 'bytes');
    assert.equal(bytes.verdict, 'regression');
    assert.equal((bytes.b?.median ?? 0) - (bytes.a?.median ?? 0), 10);
    assert.equal(cmp.summary.regression, 2);
    assert.equal(cmp.summary.improvement, 1);
    assert.equal(cmp.summary['only in A'] + cmp.summary['only in B'], 0);
    // unchanged figures are noise, not improvements
    assert.equal(find(cmp.changes, 'crud-read', 'graphql', 'p50', 16).verdict, 'noise');
  });

  test('a run against itself changes nothing', () => {
    const cmp = compareRuns(a, a, { failOnRegressionPercent: 0 });
    assert.equal(cmp.summary.regression, 0);
    assert.equal(cmp.summary.improvement, 0);
    assert.ok(cmp.summary.noise > 50);
    assert.deepEqual(cmp.failed, []);
  });

  test('fails only the regressions worse than the threshold', () => {
    const strict = compareRuns(a, b, { failOnRegressionPercent: 10 });
    assert.deepEqual(
      strict.failed.map((c) => `${c.scenario}@${c.variant}:${c.metric}`),
      ['crud-read@grpc:throughput'],
    );
    assert.deepEqual(compareRuns(a, b, { failOnRegressionPercent: 25 }).failed, []);
    assert.deepEqual(compareRuns(a, b).failed, []);
    // 10 bytes in ~1,300 is under 1%: only a zero threshold catches it
    assert.equal(compareRuns(a, b, { failOnRegressionPercent: 0 }).failed.length, 2);
  });

  test('chosen metrics narrow the table and the gate', () => {
    const chosen = compareRuns(a, b, {
      selectors: [parseMetricSelector('crud-read@rest:p99')],
      failOnRegressionPercent: 1,
    });
    // at the verdict's level only, c=16
    assert.deepEqual(
      chosen.changes.map((c) => c.level),
      [16],
    );
    assert.ok(chosen.changes.every((c) => c.variant === 'rest' && c.metric === 'p99'));
    assert.deepEqual(chosen.failed, []);
    const every = compareRuns(a, b, {
      selectors: [parseMetricSelector('crud-read@rest:p99')],
      allLevels: true,
    });
    assert.deepEqual(
      every.changes.map((c) => c.level),
      [1, 4, 16],
    );
    const star = compareRuns(a, b, { selectors: [parseMetricSelector('*:throughput')] });
    assert.ok(star.changes.every((c) => c.metric === 'throughput'));
    assert.ok(new Set(star.changes.map((c) => c.scenario)).size > 3);
  });

  test('reads closed loops at the level every variant of both runs was measured at', () => {
    // A full run against a quick one: crud-read swept 1, 4, 16 against 16 alone
    const quick = buildFixtureRun({ profile: 'quick', id: 'Q' });
    const cmp = compareRuns(a, quick);
    assert.deepEqual(
      cmp.levels.find((l) => l.scenario === 'crud-read'),
      {
        scenario: 'crud-read',
        concurrency: 16,
      },
    );
    const crud = cmp.changes.filter((c) => c.scenario === 'crud-read' && c.level !== undefined);
    assert.ok(crud.length > 0 && crud.every((c) => c.level === 16 && c.a && c.b));
    // a level only one run has moves nothing: B adds c=64 for every variant, A has none
    const higher = structuredClone(a);
    for (const r of higher.results.filter((x) => x.scenario === 'crud-read')) {
      const top = r.closedLoop.at(-1);
      if (top) r.closedLoop.push({ ...structuredClone(top), concurrency: 64 });
    }
    const up = compareRuns(a, higher);
    assert.equal(up.levels.find((l) => l.scenario === 'crud-read')?.concurrency, 16);
    assert.equal(up.summary['only in B'], 0);
    assert.match(renderCompareMarkdown(up), /the level the verdict reads.*crud-read c=16/);
  });

  test('names what only one run has', () => {
    const fewer = structuredClone(a);
    fewer.results = fewer.results.filter((r) => r.variant !== 'graphql');
    const cmp = compareRuns(a, fewer);
    assert.ok(cmp.summary['only in A'] > 0);
    assert.ok(
      cmp.changes.filter((c) => c.verdict === 'only in A').every((c) => c.variant === 'graphql'),
    );
  });

  test('notes set-up differences that make a comparison suspect', () => {
    const other = structuredClone(b);
    other.parameters.scale = 'large';
    other.environment.cpuModel = 'Another CPU';
    const notes = compareRuns(a, other).notes.join('\n');
    assert.match(notes, /dataset scale: "small" vs "large"/);
    assert.match(notes, /CPU: "Fixture CPU @ 3.0GHz" vs "Another CPU"/);
  });

  test('renders markdown with the verdicts and the gate', () => {
    const md = renderCompareMarkdown(compareRuns(a, b, { failOnRegressionPercent: 10 }));
    assert.match(md, /^# wirebench compare/);
    assert.ok(md.includes('| scenario | variant | metric | A | B | change | verdict |'));
    assert.ok(md.includes('**regression ✗ FAIL**'));
    assert.ok(md.includes('**2 regressions, 1 improvement,'));
    assert.ok(md.includes('FAIL: 1 regression worse than 10%'));
    assert.match(
      md,
      /\| crud-read \| grpc \| throughput ops\/s c=16 \| 5,200 \(4,992–5,408\) \| 4,160 \(3,994–4,326\) \| −20\.0% \|/,
    );
  });
});

describe('metric selectors', () => {
  test('parse scenario, variant and metric', () => {
    assert.deepEqual(parseMetricSelector('crud-read:p99'), {
      source: 'crud-read:p99',
      scenario: 'crud-read',
      variant: undefined,
      metric: 'p99',
    });
    assert.deepEqual(parseMetricSelector('*@grpc'), {
      source: '*@grpc',
      scenario: '*',
      variant: 'grpc',
      metric: undefined,
    });
    assert.throws(() => parseMetricSelector('crud-read:p42'), SelectorError);
    assert.throws(() => parseMetricSelector('a:b:c'), SelectorError);
  });

  test('a selector naming nothing in either run is refused', () => {
    const run = buildFixtureRun();
    assert.throws(
      () => checkSelectors([parseMetricSelector('no-such:p99')], run, run),
      /no scenario "no-such"/,
    );
    assert.throws(
      () => checkSelectors([parseMetricSelector('crud-read@nope')], run, run),
      /no variant "nope"/,
    );
    assert.doesNotThrow(() => checkSelectors([parseMetricSelector('*@grpc:bytes')], run, run));
  });
});

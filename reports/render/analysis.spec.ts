// The analysis module without servers: the one rule for "which concurrency", thresholds read
// at that level, and the warnings a run's figures call for, on the fixture run.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ScenarioResult, ShootoutResults } from '../../bench/shootout/results.ts';
import { parseThreshold } from '../../bench/shootout/thresholds.ts';
import { buildFixtureRun, PLANTED } from '../fixtures/fixture-run.ts';
import {
  analyzeRun,
  describeThreshold,
  evaluateRunThresholds,
  figureWarnings,
  isFallback,
  levelsOf,
  loopAt,
  scenarioLevel,
  verdictOf,
  withAnalysis,
} from './analysis.ts';

function resultOf(run: ShootoutResults, scenario: string, variant: string): ScenarioResult {
  const r = run.results.find((x) => x.scenario === scenario && x.variant === variant);
  assert.ok(r, `${scenario}@${variant}`);
  return r;
}

const ofScenario = (run: ShootoutResults, scenario: string) =>
  run.results.filter((r) => r.scenario === scenario);

/** The fixture with one variant's closed loops of a scenario moved or cut to other levels. */
function withLevels(
  scenario: string,
  variant: string,
  levels: number[],
  run = buildFixtureRun(),
): ShootoutResults {
  const r = resultOf(run, scenario, variant);
  const template = r.closedLoop.at(-1);
  assert.ok(template);
  r.closedLoop = levels.map((c) => ({
    ...structuredClone(r.closedLoop.find((l) => l.concurrency === c) ?? template),
    concurrency: c,
  }));
  return run;
}

describe('which concurrency: one rule', () => {
  test('the highest level every variant of the scenario was measured at', () => {
    const run = buildFixtureRun();
    // crud-read ran 1, 4 and 16 everywhere
    assert.equal(scenarioLevel(ofScenario(run, 'crud-read')), 16);
    // a level only one variant ran does not move it
    const more = withLevels('crud-read', 'grpc', [1, 4, 16, 64]);
    assert.equal(scenarioLevel(ofScenario(more, 'crud-read')), 16);
    // a variant that stopped at 4 pulls every variant down to 4: like is compared with like
    const fewer = withLevels('crud-read', 'rest', [1, 4]);
    assert.equal(scenarioLevel(ofScenario(fewer, 'crud-read')), 4);
    assert.equal(verdictOf('crud-read', ofScenario(fewer, 'crud-read')).concurrency, 4);
    // streams have no closed loop; n/a and failed results do not count
    assert.equal(scenarioLevel(ofScenario(run, 'server-stream')), undefined);
    assert.deepEqual(
      [...levelsOf(run)],
      [
        ['crud-read', 16],
        ['nested-naive', 16],
        ['nested-batched', 16],
        ['large-payload', 16],
        ['client-stream', 16],
      ],
    );
  });

  test('with no level in common, the highest; a variant without it falls back to its own and says so', () => {
    const run = withLevels('nested-naive', 'rest', [4]);
    const level = scenarioLevel(ofScenario(run, 'nested-naive'));
    assert.equal(level, 16);
    const rest = loopAt(resultOf(run, 'nested-naive', 'rest'), level);
    assert.equal(rest?.concurrency, 4);
    assert.equal(isFallback(rest, level), true);
    assert.equal(isFallback(loopAt(resultOf(run, 'nested-naive', 'grpc'), level), level), false);
    const verdict = verdictOf('nested-naive', ofScenario(run, 'nested-naive'));
    assert.equal(verdict.concurrency, 16);
    assert.deepEqual(verdict.fallbacks, [{ variant: 'rest', concurrency: 4 }]);
  });
});

describe('thresholds at the rule’s level', () => {
  test('read every variant at the verdict’s level and record it', () => {
    const run = buildFixtureRun();
    const outcomes = evaluateRunThresholds(run, [
      parseThreshold('crud-read@grpc:rps>3000'),
      parseThreshold('crud-read:p99<20ms'),
    ]);
    const grpc = outcomes[0];
    // c=16's 5,200 ops/s, not c=1's
    assert.deepEqual(grpc, {
      source: 'crud-read@grpc:rps>3000',
      variant: 'grpc',
      concurrency: 16,
      actual: 5_200,
      passed: true,
    });
    const p99 = outcomes.slice(1);
    assert.equal(p99.length, 5);
    assert.ok(p99.every((o) => o.concurrency === 16));
    const rest = resultOf(run, 'crud-read', 'rest').closedLoop.find((l) => l.concurrency === 16);
    assert.equal(p99.find((o) => o.variant === 'rest')?.actual, rest?.latency.p99.median);
  });

  test('follow the rule when a variant lacks the level, and say so', () => {
    const run = withLevels('crud-read', 'grpc', [1, 4, 16, 64]);
    const [top] = evaluateRunThresholds(run, [parseThreshold('crud-read@grpc:rps>1')]);
    assert.equal(top?.concurrency, 16, 'the level every variant ran, not the highest measured');
    const fallback = withLevels('nested-naive', 'rest', [4]);
    const [rest] = evaluateRunThresholds(fallback, [parseThreshold('nested-naive@rest:p99<1s')]);
    assert.equal(rest?.concurrency, 4);
    assert.ok(rest);
    assert.match(
      describeThreshold(rest, levelsOf(fallback)),
      /^threshold nested-naive@rest:p99<1s \[rest\] at c=4, its highest \(the others at c=16\): (passed|BROKEN) \(actual [\d.,]+ ms\)$/,
    );
  });

  test('read a stream at its per-message figures, and fail what matches nothing', () => {
    const run = buildFixtureRun();
    const outcomes = evaluateRunThresholds(run, [
      parseThreshold('server-stream@grpc:p99<1s'),
      parseThreshold('nope:p99<1s'),
    ]);
    assert.deepEqual(outcomes[0], {
      source: 'server-stream@grpc:p99<1s',
      variant: 'grpc',
      actual: resultOf(run, 'server-stream', 'grpc').stream?.latency.p99.median,
      passed: true,
    });
    assert.deepEqual(outcomes[1], {
      source: 'nope:p99<1s',
      variant: '*',
      actual: undefined,
      passed: false,
    });
    assert.equal(
      describeThreshold(outcomes[1] as NonNullable<(typeof outcomes)[1]>),
      'threshold nope:p99<1s [*]: BROKEN (actual not measured)',
    );
  });
});

describe('figure warnings', () => {
  test('a generator-bound closed loop of the fixture', () => {
    const { variant, scenario, concurrency } = PLANTED.generatorBound;
    assert.deepEqual(analyzeRun(buildFixtureRun(), []).warnings, [
      `${variant} ${scenario} c=${concurrency}: the load generator saturated first`,
    ]);
  });

  test('an open loop below 95% of its rate, failed capacity responses, a saturated capacity generator', () => {
    const run = buildFixtureRun();
    const rest = resultOf(run, 'crud-read', 'rest');
    assert.ok(rest.openLoop && rest.capacity);
    rest.openLoop.achievedRate = {
      ...rest.openLoop.achievedRate,
      median: rest.openLoop.rate * 0.9,
    };
    rest.capacity.errors = 12;
    rest.capacity.bottleneck = 'generator';
    const rate = rest.openLoop.rate;
    assert.deepEqual(
      figureWarnings(run)
        .filter((w) => w.variant === 'rest')
        .map((w) => [w.kind, w.text]),
      [
        [
          'open-loop rate',
          `rest crud-read open loop: achieved ${Math.round(rate * 0.9)}/s of ${rate}/s; the client could not keep the rate, so corrected latency includes its own backlog`,
        ],
        [
          'capacity errors',
          'rest crud-read capacity: 12 failed responses, not counted in its capacity',
        ],
        [
          'capacity generator',
          "rest crud-read capacity: the load generator saturated first; not the server's capacity",
        ],
      ],
    );
  });

  test('merged into the results once, with the thresholds, the run left as it was', () => {
    const run = buildFixtureRun();
    const before = structuredClone(run);
    const merged = withAnalysis(run, [parseThreshold('crud-read@grpc:rps>9000')]);
    assert.deepEqual(run, before);
    // the fixture's warnings already hold the generator-bound one, as a run that wrote it would
    assert.deepEqual(merged.warnings, run.warnings);
    assert.deepEqual(merged.thresholds, [
      {
        source: 'crud-read@grpc:rps>9000',
        variant: 'grpc',
        concurrency: 16,
        actual: 5_200,
        passed: false,
      },
    ]);
    const fresh = withAnalysis({ ...run, warnings: ['the tree is dirty'] }, []);
    assert.deepEqual(fresh.warnings, [
      'the tree is dirty',
      'grpc crud-read c=16: the load generator saturated first',
    ]);
    assert.deepEqual(fresh.thresholds, []);
  });
});

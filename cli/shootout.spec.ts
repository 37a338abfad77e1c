// The terminal summary of `wirebench shootout`, rendered from the fixture runs (no servers):
// verdicts first, a table within 120 columns that reads the verdict's level and names it.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseThreshold } from '../bench/shootout/thresholds.ts';
import { buildFixtureRun } from '../reports/fixtures/fixture-run.ts';
import { withAnalysis } from '../reports/render/analysis.ts';
import { readRun } from '../reports/render/load-run.ts';
import { renderSummary } from './shootout.ts';

const WIDTH = 120;

function assertFits(text: string) {
  for (const line of text.split('\n')) {
    assert.ok(line.length <= WIDTH, `${line.length} columns: ${line}`);
  }
}

describe('shootout summary', () => {
  const full = withAnalysis(buildFixtureRun({ profile: 'full' }), [
    parseThreshold('crud-read@grpc:rps>3000'),
  ]);

  test('every line of the full-profile summary fits 120 columns, and it names the level', () => {
    const text = renderSummary(full);
    assertFits(text);
    assert.match(
      text,
      /crud-read +grpc wins on throughput at c=16: \+21% \(\+11% to \+32%\) vs connect-proto-h2, beyond noise/,
    );
    assert.match(
      text,
      /threshold crud-read@grpc:rps>3000 \[grpc\] at c=16: passed \(actual 5,200\/s\)/,
    );
    assert.ok(!text.includes('\x1b['), 'no colour unless asked');
  });

  test('verdicts come first, one per scenario, then the compact table', () => {
    const lines = renderSummary(full).split('\n');
    assert.match(lines[0] ?? '', /^verdict per scenario/);
    const verdicts = lines.slice(1, lines.indexOf(''));
    for (const scenario of ['crud-read', 'nested-naive', 'server-stream', 'bidi']) {
      assert.equal(verdicts.filter((l) => l.startsWith(`  ${scenario} `)).length, 1, scenario);
    }
    assert.match(
      verdicts.find((l) => l.startsWith('  server-stream')) ?? '',
      /per-message latency p99/,
    );
    const head = lines.find((l) => l.startsWith('scenario '));
    assert.match(
      head ?? '',
      /^scenario +variant +c +ops\/s \(min–max\) +p99 ms +bytes\/op +capacity\/s +notes$/,
    );
  });

  test('the table reads the verdict’s level, not the first one measured', () => {
    const text = renderSummary(full);
    // crud-read ran 1, 4 and 16: its row is c=16's 5,200 ops/s
    assert.match(text, /^ +grpc +16 +5,200 \(4,992–5,408\) .* 14,500 \(69%\) +⚠ generator-bound$/m);
  });

  test('a variant read at its own highest level says so', () => {
    const run = buildFixtureRun();
    const rest = run.results.find((r) => r.scenario === 'nested-naive' && r.variant === 'rest');
    assert.ok(rest?.closedLoop[0]);
    // rest ran c=4 only, and is the winner there: the margin it heads is of unlike levels
    const throughput = { median: 500, min: 480, max: 520, n: 3 };
    rest.closedLoop = [{ ...rest.closedLoop[0], concurrency: 4, throughput }];
    const text = renderSummary(withAnalysis(run, []));
    assertFits(text);
    assert.match(text, /^nested-naive +rest +4 +.*its highest; others c=16$/m);
    const unwrapped = text.replace(/\n +/g, ' ');
    assert.match(
      unwrapped,
      /nested-naive +rest wins on throughput at c=16: .* vs grpc, beyond noise; rest read at c=4, its highest/,
    );
  });

  test('--verbose prints the wide table of every figure', () => {
    const text = renderSummary(full, { verbose: true });
    assert.ok(text.includes('server CPU ms/op'));
    assert.ok(text.includes('queries/op'));
    assert.ok(!text.includes('--verbose, or the report'));
  });

  test('the quick fixture and the committed reference run fit too', () => {
    assertFits(renderSummary(withAnalysis(buildFixtureRun({ profile: 'quick' }), [])));
    const reference = readRun(join(import.meta.dirname, '../reports/reference/results.json'));
    const text = renderSummary(reference);
    assertFits(text);
    assert.match(text, /crud-read +\S+ (leads|wins) on throughput at c=64:/);
  });
});

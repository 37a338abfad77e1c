// Every figure the README and docs/ cite must be the reference run's: a citation whose text
// differs from what reports/reference/results.json gives, a key the run does not have, or a
// measured-looking number outside any citation fails here. The figure functions themselves are
// checked against the fixture run, where the planted values are known.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, test } from 'node:test';
import {
  citationsIn,
  FigureError,
  figureTable,
  figureText,
  fillCitations,
  uncitedFigures,
} from '../reports/figures.ts';
import { buildFixtureRun } from '../reports/fixtures/fixture-run.ts';
import { readRun } from '../reports/render/load-run.ts';
import { citingFiles, REFERENCE_RESULTS, REPO_ROOT } from './doc-figures.ts';

describe('figures cited in README.md and docs/', () => {
  test('the reference run is committed and is a full-profile run', () => {
    assert.ok(existsSync(REFERENCE_RESULTS), 'reports/reference/results.json is missing');
    const ref = readRun(REFERENCE_RESULTS);
    assert.equal(ref.run.profile, 'full');
    assert.ok(existsSync(REFERENCE_RESULTS.replace('results.json', 'report.html')));
    assert.ok(existsSync(REFERENCE_RESULTS.replace('results.json', 'report.md')));
  });

  const ref = existsSync(REFERENCE_RESULTS) ? readRun(REFERENCE_RESULTS) : undefined;
  for (const file of citingFiles()) {
    const name = relative(REPO_ROOT, file);
    test(`${name}: every citation equals the reference run`, (t) => {
      if (!ref) return t.skip('no reference run');
      const text = readFileSync(file, 'utf8');
      for (const c of citationsIn(text)) {
        const expected: string =
          c.kind === 'fig' ? figureText(ref, c.key) : `${figureTable(ref, c.key).trimEnd()}\n`;
        assert.equal(c.text, expected, `${name}: citation ${c.key} (run \`npm run docs:figures\`)`);
      }
      assert.equal(fillCitations(text, ref), text);
    });
    test(`${name}: no measured figure typed by hand`, () => {
      const text = readFileSync(file, 'utf8');
      assert.deepEqual(uncitedFigures(text), [], `${name} has figures outside citations`);
    });
  }

  test('the ADRs cite the reference run', () => {
    const adrs = citingFiles().filter((f) => f.includes('/docs/adr/'));
    assert.ok(adrs.length >= 6, `expected the ADRs in docs/adr, found ${adrs.length}`);
    const selection = adrs.find((f) => /selection/.test(f));
    assert.ok(selection, 'the protocol selection ADR is missing');
    assert.ok(citationsIn(readFileSync(selection, 'utf8')).length >= 10);
  });
});

describe('figure keys', () => {
  const run = buildFixtureRun();

  test('inline figures come with their spread and unit', () => {
    assert.match(figureText(run, 'crud-read/grpc/rps'), /^[\d,.]+ ops\/s \([\d,.]+–[\d,.]+\)$/);
    assert.match(figureText(run, 'crud-read/grpc/p99'), / ms \(/);
    assert.match(figureText(run, 'crud-read/grpc/bytes'), /^[\d,]+ B$/);
    assert.match(figureText(run, 'ratio/crud-read/grpc/rest/rps'), /^[\d.]+× \([\d.]+–[\d.]+\)$/);
    assert.equal(figureText(run, 'winner/crud-read'), 'grpc');
  });

  test('a key the run does not have is an error naming the key', () => {
    for (const key of [
      'crud-read/nope/rps',
      'no-such-scenario/grpc/rps',
      'crud-read/grpc/unknown-metric',
      'crud-read/grpc/rps/c999',
      'ceiling/no-stack',
      'micro/none/none/encode',
    ]) {
      assert.throws(() => figureText(run, key), FigureError, key);
    }
    assert.throws(() => figureTable(run, 'nope'), FigureError);
  });

  test('filling rewrites a stale citation and leaves the rest of the text alone', () => {
    const text = 'gRPC did <!-- fig crud-read/grpc/rps -->12 ops/s<!-- /fig --> here.\n';
    const filled = fillCitations(text, run);
    assert.notEqual(filled, text);
    assert.ok(filled.startsWith('gRPC did <!-- fig crud-read/grpc/rps -->'));
    assert.ok(filled.endsWith('<!-- /fig --> here.\n'));
    assert.equal(fillCitations(filled, run), filled);
  });

  test('hand-typed measurements are found, citations and code blocks are not', () => {
    assert.deepEqual(uncitedFigures('gRPC served 5,000 ops/s and p99 was 3.2 ms, 2.1× REST'), [
      '5,000 ops/s',
      '3.2 ms',
      '2.1×',
    ]);
    assert.deepEqual(
      uncitedFigures(
        '<!-- fig crud-read/grpc/rps -->5 ops/s<!-- /fig -->\n```\n10 ms\n```\nport 8080, 1 MiB, `p99<20ms`\n\n    npx wirebench --rate 20ms\n',
      ),
      [],
    );
  });
});

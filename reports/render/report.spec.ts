import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  buildFixtureRun,
  buildFixtureWireSample,
  FIXTURE_VARIANTS,
  PLANTED,
  writeFixtureRun,
} from '../fixtures/fixture-run.ts';
import { overlaps, significanceOf } from './analysis.ts';
import { buildReportContent, verdictsOf, writeReport } from './index.ts';
import { findNewestRun, loadRun, RunNotFoundError, readRun, resolveRunFile } from './load-run.ts';
import { renderMarkdown } from './markdown.ts';
import { readWireSample } from './wire-sample.ts';

const REFERENCE = join(import.meta.dirname, '..', 'reference');
const V1_RUN = join(import.meta.dirname, '..', 'fixtures', 'v1-run');

const spread = (median: number, min: number, max: number) => ({ median, min, max, n: 3 });

/** The charts each section of the full fixture must hold, counted from what the fixture has. */
const FULL_CHARTS: Record<string, number> = {
  verdict: 0,
  flags: 0,
  // one per scenario with closed loops or a stream (6), and round trip + fan-out for bidi
  latency: 8,
  // one per scenario with closed loops: crud-read, nested x2, large-payload, client-stream
  throughput: 5,
  'open-loop': 1,
  // steady state, first call and steady state with gzip responses for the 5 scenarios with
  // wire figures
  bytes: 15,
  // time and size for the 2 payloads
  serialization: 4,
  // server-stream first message, bidi p99
  streams: 2,
  queries: 1,
  capacity: 1,
  wire: 0,
  // the evolution matrix is tables, no chart
  evolution: 0,
  capabilities: 0,
  environment: 0,
};

function chartsPerSection(html: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of html.matchAll(
    /<section id="([^"]+)" data-charts="(\d+)">([\s\S]*?)<\/section>/g,
  )) {
    const [, id, declared, body] = match as unknown as [string, string, string, string];
    const svgs = (body.match(/<svg\b/g) ?? []).length;
    assert.equal(
      svgs,
      Number(declared),
      `section ${id} declares ${declared} charts, holds ${svgs}`,
    );
    counts[id] = svgs;
  }
  return counts;
}

describe('report of the full fixture run', () => {
  let dir: string;
  let html: string;
  let markdown: string;
  let written: ReturnType<typeof writeReport>;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wirebench-report-'));
    const file = writeFixtureRun(dir, buildFixtureRun({ profile: 'full' }));
    const run = loadRun(file);
    written = writeReport(run.results, run.dir, buildFixtureWireSample(), new Date(0));
    html = readFileSync(written.html, 'utf8');
    markdown = readFileSync(written.markdown, 'utf8');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('writes report.md, report.html and the charts next to results.json', () => {
    assert.equal(dirname(written.html), dirname(written.markdown));
    assert.ok(existsSync(join(dirname(written.html), 'results.json')));
    const total = Object.values(FULL_CHARTS).reduce((a, b) => a + b, 0);
    assert.equal(written.charts.length, total);
    for (const file of written.charts) {
      const svg = readFileSync(file, 'utf8');
      // A standalone SVG file needs its namespace; the inline copies drop it.
      assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    }
  });

  test('has every section, each with the charts its data calls for', () => {
    assert.deepEqual(chartsPerSection(html), FULL_CHARTS);
    assert.doesNotMatch(html, /id="not-in-run"/);
  });

  test('names the winner, the runner-up, the margin and the noise verdict per pattern', () => {
    const verdicts = verdictsOf(buildFixtureRun({ profile: 'full' }));
    const crud = verdicts.find((v) => v.scenario === 'crud-read');
    assert.equal(crud?.winner?.variant, PLANTED.crudWinner);
    assert.equal(crud?.runnerUp?.variant, PLANTED.crudRunnerUp);
    assert.equal(crud?.significance, 'beyond noise');
    assert.equal(crud?.concurrency, 16);
    assert.ok(crud?.margin && Math.abs(crud.margin.median - 5_200 / 4_300) < 1e-9);
    // worst pairing: grpc's slowest repetition against connect-proto-h2's fastest
    assert.ok(Math.abs(crud.margin.min - (5_200 * 0.96) / (4_300 * 1.05)) < 1e-9);
    assert.ok(crud.margin.min > 1, 'beyond noise: even the worst pairing favours the winner');
    const batched = verdicts.find((v) => v.scenario === 'nested-batched');
    assert.equal(batched?.winner?.variant, PLANTED.nestedWinner);
    assert.equal(batched?.significance, 'within noise');
    const stream = verdicts.find((v) => v.scenario === 'server-stream');
    assert.equal(stream?.metric.key, 'p99');
    assert.equal(stream?.metric.better, 'lower');
    const bidi = verdicts.find((v) => v.scenario === 'bidi');
    assert.equal(bidi?.metric.key, 'round-trip p99');
    assert.deepEqual(
      bidi?.notApplicable.map((n) => n.variant),
      [PLANTED.notApplicable.variant],
    );
    assert.deepEqual(
      bidi?.failed.map((f) => f.variant),
      [PLANTED.error.variant],
    );
    assert.deepEqual(
      verdicts.map((v) => v.pattern),
      [
        'crud',
        'nested',
        'nested',
        'large payload',
        'streaming updates',
        'client streaming',
        'bidirectional',
      ],
    );
    assert.ok(
      html.includes(
        "crud (crud-read): grpc, with 21% more throughput than connect-proto-h2 at c=16, beyond the run's noise.",
      ),
    );
    assert.match(html, /nested \(nested-batched\): grpc and rest cannot be told apart by this run/);
    // the margin with the range the repetitions allow; a within-noise one crosses zero
    assert.ok(html.includes('<td>+21% (+11% to +32%)</td>'));
    assert.ok(html.includes('<td>+3.1% (−12% to +21%)</td>'));
  });

  test('prints each warning once: the run’s copy of a figure warning is not repeated', () => {
    const flags = markdown.slice(markdown.indexOf('## Flags and warnings'));
    const list = flags.slice(0, flags.indexOf('\n## ', 3));
    const { variant, scenario, concurrency } = PLANTED.generatorBound;
    // results.json holds "grpc crud-read c=16: the load generator saturated first"; the report
    // says it once, in its longer form
    assert.equal(list.split(`${variant} ${scenario} c=${concurrency}:`).length - 1, 1);
    assert.ok(!list.includes('the load generator saturated first'));
    assert.ok(list.includes('warning: fixture: numbers are made up for tests'));
  });

  test('flags the generator-bound measurement where it is shown', () => {
    const { variant, scenario, concurrency } = PLANTED.generatorBound;
    assert.ok(
      html.includes(
        `${variant} ${scenario} c=${concurrency}: the load generator was the bottleneck`,
      ),
    );
    assert.ok(html.includes('grpc was limited by the load generator, not the server'));
    assert.ok(html.includes('⚠ generator-bound'));
  });

  test('shows every figure with its spread', () => {
    // grpc crud-read at c=16: 5,200 ops/s over 4,992–5,408 (±4%)
    assert.ok(html.includes('grpc: 5,200 ops/s (4,992–5,408)'));
    assert.ok(markdown.includes('5,200 ops/s (4,992–5,408)'));
    // capacity beside its ceiling, with the ratio
    assert.match(
      html,
      /<td>grpc<\/td><td class="num">14,500 \(13,920–15,080\)<\/td><td>grpc-js<\/td><td class="num">21,000 \(20,370–21,630\)<\/td><td class="num">69% \(66%–72%\)<\/td>/,
    );
  });

  test('has the capability matrix with n/a reasons and the failed run', () => {
    assert.ok(html.includes('gRPC-Web has no client streaming'));
    assert.ok(html.includes('gRPC-Web has no bidirectional streaming'));
    assert.ok(html.includes(PLANTED.error.reason));
    assert.match(html, /n\/a \[\d\]/);
    assert.match(html, /failed \[\d\]/);
  });

  test('shows GetBook on the wire for every variant side by side', () => {
    const cards = html.match(/<article class="wire-card">/g) ?? [];
    assert.equal(cards.length, FIXTURE_VARIANTS.length);
    assert.ok(html.includes('GET /v1/books/1 HTTP/1.1'));
    assert.ok(html.includes(':path: /library.v1.LibraryService/GetBook'));
    for (const variant of FIXTURE_VARIANTS) assert.ok(markdown.includes(`<summary>${variant}:`));
  });

  test('states the environment, parameters and fairness', () => {
    assert.ok(html.includes('Fixture CPU @ 3.0GHz, 2 cores'));
    assert.ok(html.includes('seed 42, scale small'));
    assert.ok(
      html.includes('3 repetitions of 3,000 ms; 1,000 ms of discarded warm-up before the first'),
    );
    assert.ok(html.includes('same dataset (seed, scale) on every server'));
    assert.ok(html.includes('server core 1, load core 0'));
  });

  test('is self-contained: no script, no external resource, no URL', () => {
    assert.doesNotMatch(html, /https?:\/\//);
    assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|src=/i);
    // Only same-document references (SVG clip paths).
    for (const m of html.matchAll(/url\(([^)]*)\)/g)) assert.match(m[1] ?? '', /^#/);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  });

  test('inline charts do not share element ids', () => {
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(ids).size, ids.length);
  });

  test('markdown carries the same tables and links every chart file', () => {
    assert.match(markdown, /^# wirebench report · 20260101T000000Z-fixture-full/);
    assert.ok(markdown.includes('| pattern | scenario | metric |'));
    for (const file of written.charts) {
      const name = file.slice(file.lastIndexOf('/charts/') + 1);
      assert.ok(markdown.includes(`](${name})`), `markdown links ${name}`);
    }
  });
});

describe('report of a quick run', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wirebench-report-quick-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('leaves out what a quick run lacks and says so', () => {
    const file = writeFixtureRun(dir, buildFixtureRun({ profile: 'quick' }), { wireSample: false });
    const run = loadRun(file);
    const content = buildReportContent(run.results, undefined);
    const ids = content.sections.map((s) => s.id);
    for (const absent of ['open-loop', 'serialization', 'streams']) {
      assert.ok(!ids.includes(absent), `${absent} should be left out`);
    }
    for (const present of ['verdict', 'latency', 'throughput', 'bytes', 'queries', 'capacity']) {
      assert.ok(ids.includes(present), `${present} should be there`);
    }
    assert.deepEqual(
      content.skipped.map((s) => s.title),
      ['Open loop', 'Serialization cost', 'Stream metrics', 'Schema evolution'],
    );
    const written = writeReport(run.results, run.dir, undefined);
    const html = readFileSync(written.html, 'utf8');
    assert.ok(html.includes('Open loop: not run in the quick profile'));
    // No transcript: the wire section says how to get one.
    assert.ok(html.includes('No wire transcript was captured for this run'));
  });
});

describe('a v1 run (the earlier reference, kept as a fixture)', () => {
  test('a v1 file is read and upgraded in memory, and its report renders', () => {
    const file = join(V1_RUN, 'results.json');
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { schema: string; run: object };
    assert.equal(raw.schema, 'wirebench.results/v1');
    assert.ok(!('phases' in raw.run));
    const run = loadRun(file);
    assert.equal(run.upgradedFrom, 'wirebench.results/v1');
    assert.equal(run.results.schema, 'wirebench.results/v2');
    assert.deepEqual((run.results.run as { phases?: unknown }).phases, []);
    const content = buildReportContent(run.results, readWireSample(V1_RUN));
    const ids = content.sections.map((s) => s.id);
    for (const id of ['verdict', 'flags', 'latency', 'throughput', 'open-loop', 'bytes']) {
      assert.ok(ids.includes(id), id);
    }
    assert.match(
      renderMarkdown(content, new Date(0)),
      /\| crud \| crud-read \| throughput at c=64 \|/,
    );
  });
});

describe('report of the committed reference run', () => {
  test('is a v2 run with its evolution matrix, and report.md is what this renderer makes of it', () => {
    const file = join(REFERENCE, 'results.json');
    const raw = JSON.parse(readFileSync(file, 'utf8')) as {
      schema: string;
      run: { phases: unknown[] };
    };
    assert.equal(raw.schema, 'wirebench.results/v2');
    assert.ok(raw.run.phases.length > 0);
    const run = loadRun(file);
    assert.equal(run.upgradedFrom, undefined);
    // the lab's results come from evolution.json beside results.json
    assert.equal(run.results.evolution?.schema, 'wirebench.evolution/v1');
    const content = buildReportContent(run.results, readWireSample(REFERENCE));
    const ids = content.sections.map((s) => s.id);
    for (const id of ['verdict', 'latency', 'throughput', 'open-loop', 'bytes', 'evolution']) {
      assert.ok(ids.includes(id), id);
    }
    const md = renderMarkdown(content, new Date(0));
    const committed = readFileSync(join(REFERENCE, 'report.md'), 'utf8');
    const body = (text: string) => text.split('\n').filter((l) => !/generated|Generated/.test(l));
    const differing = body(md).filter((l, i) => l !== body(committed)[i]);
    // re-render it with `wirebench report reports/reference` when the renderer changes
    assert.deepEqual(differing, []);
  });

  test('refuses a schema it does not know', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirebench-schema-'));
    try {
      const file = join(dir, 'results.json');
      const doc = JSON.parse(readFileSync(join(REFERENCE, 'results.json'), 'utf8'));
      writeFileSync(file, JSON.stringify({ ...doc, schema: 'wirebench.results/v9' }));
      assert.throws(
        () => readRun(file),
        /expected wirebench\.results\/v2 or wirebench\.results\/v1/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('finding a run', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wirebench-runs-'));
    writeFixtureRun(dir, buildFixtureRun({ id: '20260101T000000Z-aaaaaaa' }), {
      wireSample: false,
    });
    writeFixtureRun(dir, buildFixtureRun({ id: '20260102T000000Z-bbbbbbb' }), {
      wireSample: false,
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('by id, by folder, by file, and the newest by default', () => {
    const newest = join(dir, '20260102T000000Z-bbbbbbb', 'results.json');
    assert.equal(findNewestRun(dir), newest);
    assert.equal(resolveRunFile(undefined, dir), newest);
    assert.equal(
      resolveRunFile('20260101T000000Z-aaaaaaa', dir),
      join(dir, '20260101T000000Z-aaaaaaa', 'results.json'),
    );
    assert.equal(resolveRunFile(join(dir, '20260102T000000Z-bbbbbbb'), dir), newest);
    assert.equal(resolveRunFile(newest, dir), newest);
  });

  test('refuses what is not a run', () => {
    assert.throws(() => resolveRunFile('no-such-run', dir), RunNotFoundError);
    assert.throws(() => resolveRunFile(undefined, join(dir, 'empty')), RunNotFoundError);
    assert.throws(
      () => loadRun(join(import.meta.dirname, '..', '..', 'package.json')),
      RunNotFoundError,
    );
  });
});

describe('noise', () => {
  test('overlapping ranges are within noise, disjoint ones beyond', () => {
    assert.equal(overlaps(spread(10, 9, 11), spread(11.5, 10.5, 12)), true);
    assert.equal(significanceOf(spread(10, 9, 11), spread(11.5, 10.5, 12)), 'within noise');
    assert.equal(significanceOf(spread(10, 9, 11), spread(13, 11.5, 14)), 'beyond noise');
    // touching ends cannot be told apart
    assert.equal(significanceOf(spread(10, 9, 11), spread(12, 11, 13)), 'within noise');
  });
});

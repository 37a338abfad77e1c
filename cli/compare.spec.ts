import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { RESULTS_SCHEMA } from '../bench/shootout/results.ts';
import { buildFixtureRun, plantChanges, writeFixtureRun } from '../reports/fixtures/fixture-run.ts';
import { loadRun } from '../reports/render/load-run.ts';
import { registerCompareCommand } from './compare.ts';

interface Outcome {
  code: number;
  out: string;
  err: string;
}

/** Runs `wirebench compare ...` in-process, as cli/main.ts would, capturing what it prints. */
async function compare(args: string[]): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('wirebench')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  registerCompareCommand(program, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'wirebench', 'compare', ...args]);
    return { code: Number(process.exitCode ?? 0), out: out.join(''), err: err.join('') };
  } finally {
    process.exitCode = saved;
  }
}

describe('wirebench compare', () => {
  let dir: string;
  let runA: string;
  let runB: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wirebench-compare-'));
    const a = buildFixtureRun({ id: '20260101T000000Z-aaaaaaa' });
    runA = writeFixtureRun(dir, a, { wireSample: false });
    runB = writeFixtureRun(dir, plantChanges(a, '20260102T000000Z-bbbbbbb'), { wireSample: false });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('prints the table with the planted regression and the in-noise change', async () => {
    const { code, out } = await compare([runA, runB]);
    assert.equal(code, 0);
    assert.match(out, /A 20260101T000000Z-aaaaaaa \(full\) → B 20260102T000000Z-bbbbbbb \(full\)/);
    // the level is named once, in the scenario's heading, and in the line saying which it is
    assert.match(out, /the level the verdict reads.*: crud-read c=16,/);
    const lines = out.split('\n');
    const crud = lines.indexOf('crud-read at c=16');
    assert.ok(crud > 0, 'a heading for crud-read naming its level');
    const next = lines.findIndex((l, i) => i > crud && /^[a-z-]+ at c=\d+$/.test(l));
    const section = lines.slice(crud, next);
    const line = (variant: string, metric: string) =>
      section.find((l) => l.startsWith(`${variant} `) && l.includes(metric));
    assert.match(line('grpc', 'throughput ops/s') ?? '', /−20\.0%.*regression/);
    assert.match(line('rest', 'p99 ms') ?? '', /\+5\.0%.*noise/);
    assert.match(out, /2 regressions, 1 improvement, \d+ within noise; no regression gate/);
    // fits a 120-column terminal, and no colour into something that is not one
    for (const l of lines) assert.ok(l.length <= 120, `${l.length} columns: ${l}`);
    assert.ok(!out.includes('\x1b['), 'no ANSI escape');
  });

  test('--all-levels compares every level, each row naming its own', async () => {
    const { code, out } = await compare([runA, runB, '--all-levels']);
    assert.equal(code, 0);
    assert.ok(out.includes('crud-read, every level'));
    for (const c of [1, 4, 16])
      assert.match(out, new RegExp(`^grpc +throughput ops/s c=${c} `, 'm'));
  });

  test('compares a v1 run (the earlier reference, kept as a fixture) with a v2 run', async () => {
    const reference = join(import.meta.dirname, '../reports/fixtures/v1-run/results.json');
    const v1 = JSON.parse(readFileSync(reference, 'utf8')) as { schema: string };
    assert.equal(v1.schema, 'wirebench.results/v1');
    const v2 = buildFixtureRun({ id: '20260103T000000Z-ccccccc' });
    assert.equal(v2.schema, RESULTS_SCHEMA);
    const runV2 = writeFixtureRun(dir, v2, { wireSample: false });
    // both through the loader compare uses: v1 is upgraded in memory
    const loaded = loadRun(reference);
    assert.equal(loaded.upgradedFrom, 'wirebench.results/v1');
    assert.equal(loaded.results.schema, RESULTS_SCHEMA);
    assert.deepEqual((loaded.results.run as { phases?: unknown }).phases, []);
    const { code, out, err } = await compare([reference, runV2]);
    assert.equal(err, '');
    assert.equal(code, 0);
    assert.match(out, /A 20261122T000256Z-2ce3c11 \(full\) → B 20260103T000000Z-ccccccc \(full\)/);
    // the reference swept crud-read to 64, the fixture to 16: compared at 16, both sides
    assert.ok(out.split('\n').includes('crud-read at c=16'));
    assert.match(out, /^grpc +throughput ops\/s +[\d,]+ \([\d,–]+\) +5,200 \(4,992–5,408\)/m);
    assert.match(out, /note: the runs differ in dataset scale: "default" vs "small"/);
    const json = await compare([reference, runV2, '--json']);
    assert.equal(json.code, 0);
    const parsed = JSON.parse(json.out) as { levels: { scenario: string; concurrency: number }[] };
    assert.deepEqual(
      parsed.levels.find((l) => l.scenario === 'crud-read'),
      { scenario: 'crud-read', concurrency: 16 },
    );
  });

  test('exit code follows --fail-on-regression', async () => {
    const failing = await compare([runA, runB, '--fail-on-regression', '10']);
    assert.equal(failing.code, 1);
    assert.match(failing.out, /regression ✗ FAIL/);
    assert.match(failing.out, /FAIL: 1 regression worse than 10%/);
    assert.equal((await compare([runA, runB, '--fail-on-regression', '25%'])).code, 0);
    // only the in-noise metric chosen: noise never fails the gate
    const chosen = await compare([
      runA,
      runB,
      '--metric',
      'crud-read@rest:p99',
      '--fail-on-regression',
      '1',
    ]);
    assert.equal(chosen.code, 0);
    assert.doesNotMatch(chosen.out, / grpc /);
    // a run against itself passes the strictest gate
    assert.equal((await compare([runA, runA, '--fail-on-regression', '0'])).code, 0);
  });

  test('writes markdown and JSON', async () => {
    const file = join(dir, 'compare.md');
    const { code, out } = await compare([
      runA,
      runB,
      '--json',
      '--markdown',
      file,
      '--fail-on-regression',
      '10',
    ]);
    assert.equal(code, 1);
    const json = JSON.parse(out) as {
      failed: { variant: string; metric: string }[];
      threshold: number;
    };
    assert.equal(json.threshold, 10);
    assert.deepEqual(
      json.failed.map((c) => `${c.variant}:${c.metric}`),
      ['grpc:throughput'],
    );
    const md = readFileSync(file, 'utf8');
    assert.ok(md.includes('| crud-read | grpc | throughput ops/s c=16 |'));
    assert.ok(md.includes('**regression ✗ FAIL**'));
  });

  test('usage errors exit 2', async () => {
    const missing = await compare([runA, join(dir, 'no-such-run')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /no run/);
    const unknown = await compare([runA, runB, '--metric', 'no-such-scenario:p99']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /no scenario "no-such-scenario"/);
    // Flag values commander rejects: cli/main.ts turns every such error into exit 2.
    await assert.rejects(
      compare([runA, runB, '--fail-on-regression', 'lots']),
      (err: unknown) => err instanceof CommanderError && err.code === 'commander.invalidArgument',
    );
    await assert.rejects(
      compare([runA, runB, '--metric', 'crud-read:p42']),
      (err: unknown) => err instanceof CommanderError && err.code === 'commander.invalidArgument',
    );
    await assert.rejects(
      compare([runA]),
      (err: unknown) => err instanceof CommanderError && err.code === 'commander.missingArgument',
    );
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { buildFixtureRun, plantChanges, writeFixtureRun } from '../reports/fixtures/fixture-run.ts';
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
    const line = (variant: string, metric: string) =>
      out
        .split('\n')
        .find((l) => l.includes(` ${variant} `) && l.includes(metric) && l.includes('crud-read'));
    assert.match(line('grpc', 'throughput ops/s c=16') ?? '', /−20\.0%.*regression/);
    assert.match(line('rest', 'p99 ms c=16') ?? '', /\+5\.0%.*noise/);
    assert.match(out, /2 regressions, 1 improvement, \d+ within noise; no regression gate/);
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

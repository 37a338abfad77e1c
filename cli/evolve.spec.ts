// `wirebench evolve` as a user runs it: bad arguments are usage errors, the matrix fits 120
// columns without colour into a pipe, --json is the results document, and the files it writes
// hold the results and their report section.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Command } from 'commander';
import { EVOLUTION_SCHEMA } from '../bench/evolution/results.ts';
import { registerEvolveCommand } from './evolve.ts';

function buildTestProgram(write: (text: string) => void = () => {}): Command {
  const program = new Command('wirebench').exitOverride().configureOutput({
    writeErr: () => {},
    writeOut: () => {},
  });
  registerEvolveCommand(program, { write, colour: false });
  return program;
}

describe('wirebench evolve', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'wirebench-evolve-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('an unknown change set or variant is a usage error', async () => {
    for (const args of [
      ['--change', 'no-such-change'],
      ['--protocols', 'soap'],
    ]) {
      await assert.rejects(
        buildTestProgram().parseAsync(['evolve', ...args], { from: 'user' }),
        (err: Error & { code?: string }) => err.code?.startsWith('commander.') === true,
        args.join(' '),
      );
    }
  });

  test('prints the matrix within 120 columns and writes the results and their section', async () => {
    let out = '';
    await buildTestProgram((text) => {
      out += text;
    }).parseAsync(
      [
        'evolve',
        '--change',
        'add-enum-value',
        '--protocols',
        'rest,grpc,connect-json',
        '--out',
        dir,
      ],
      { from: 'user' },
    );
    assert.equal(process.exitCode ?? 0, 0);
    assert.match(out, /^1 change sets × 3 variants × 2 directions/);
    assert.match(out, /^add-enum-value: /m);
    assert.match(out, /^ {2}grpc +(works|silent wrong data|silent loss|loud: \S+)/m);
    assert.match(out, /checkers: buf breaking WIRE \w+/);
    assert.ok(!out.includes('\x1b['), 'no ANSI escape');
    for (const line of out.trimEnd().split('\n'))
      assert.ok(line.length <= 120, `${line.length} columns: ${line}`);
    const written = JSON.parse(readFileSync(join(dir, 'evolution.json'), 'utf8'));
    assert.equal(written.schema, EVOLUTION_SCHEMA);
    assert.deepEqual(written.variants, ['rest', 'grpc', 'connect-json']);
    const md = readFileSync(join(dir, 'evolution.md'), 'utf8');
    assert.match(md, /## Schema evolution/);
    assert.match(md, /### add-enum-value: /);
  });

  test('--json prints the results document, --no-write writes nothing', async () => {
    let out = '';
    const quiet = join(dir, 'none');
    await buildTestProgram((text) => {
      out += text;
    }).parseAsync(
      [
        'evolve',
        '--change',
        'deprecate-field',
        '--protocols',
        'graphql',
        '--no-checkers',
        '--json',
        '--no-write',
        '--out',
        quiet,
      ],
      { from: 'user' },
    );
    const doc = JSON.parse(out);
    assert.equal(doc.schema, EVOLUTION_SCHEMA);
    assert.equal(doc.changes[0].name, 'deprecate-field');
    assert.deepEqual(doc.changes[0].checkers, []);
    assert.throws(() => readFileSync(join(quiet, 'evolution.json')));
  });
});

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Command } from 'commander';
import { buildFixtureRun, writeFixtureRun } from '../reports/fixtures/fixture-run.ts';
import { readWireSample, WIRE_SAMPLE_FILE } from '../reports/render/wire-sample.ts';
import { registerReportCommand } from './report.ts';

interface Outcome {
  code: number;
  out: string;
  err: string;
}

/** Runs `wirebench report ...` in-process, as cli/main.ts would, capturing what it prints. */
async function report(args: string[]): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('wirebench')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  registerReportCommand(program, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'wirebench', 'report', ...args]);
    return { code: Number(process.exitCode ?? 0), out: out.join(''), err: err.join('') };
  } finally {
    process.exitCode = saved;
  }
}

describe('wirebench report', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wirebench-report-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('writes report.md and report.html next to results.json and prints their paths', async () => {
    const file = writeFixtureRun(dir, buildFixtureRun({ id: 'run-with-sample' }));
    const runDir = dirname(file);
    const { code, out, err } = await report([runDir]);
    assert.equal(code, 0);
    assert.equal(err, '');
    assert.equal(
      out,
      `report: ${join(runDir, 'report.md')}\nreport: ${join(runDir, 'report.html')}\n`,
    );
    assert.match(readFileSync(join(runDir, 'report.html'), 'utf8'), /^<!doctype html>/);
    assert.match(
      readFileSync(join(runDir, 'report.md'), 'utf8'),
      /^# wirebench report · run-with-sample/,
    );
    assert.ok(existsSync(join(runDir, 'charts', 'latency-crud-read.svg')));
  });

  test('--json prints the written paths', async () => {
    const file = writeFixtureRun(dir, buildFixtureRun({ id: 'run-json' }));
    const { code, out } = await report([file, '--json']);
    assert.equal(code, 0);
    const printed = JSON.parse(out) as {
      run: string;
      html: string;
      markdown: string;
      charts: string[];
    };
    assert.equal(printed.run, 'run-json');
    assert.equal(printed.html, join(dirname(file), 'report.html'));
    assert.equal(printed.charts.length, 37);
  });

  test('--no-wire starts no server and leaves the wire section pointing at the way to get one', async () => {
    const file = writeFixtureRun(dir, buildFixtureRun({ id: 'run-no-wire' }), {
      wireSample: false,
    });
    const { code } = await report([file, '--no-wire']);
    assert.equal(code, 0);
    assert.equal(existsSync(join(dirname(file), WIRE_SAMPLE_FILE)), false);
    const html = readFileSync(join(dirname(file), 'report.html'), 'utf8');
    assert.ok(html.includes('No wire transcript was captured for this run'));
  });

  test('a run that does not exist, or a file that is not a run, exits 2', async () => {
    const missing = await report([join(dir, 'nowhere')]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /no run ".*nowhere"/);
    const notARun = await report([join(import.meta.dirname, '..', 'package.json')]);
    assert.equal(notARun.code, 2);
    assert.match(notARun.err, /is not a wirebench run/);
  });

  test('captures GetBook on the wire from a fresh server when the run has none, once', async () => {
    const results = buildFixtureRun({ id: 'run-capture' });
    results.parameters.variants = ['rest', 'grpc', 'connect-proto-h2'];
    results.results = results.results.filter((r) =>
      results.parameters.variants.includes(r.variant),
    );
    const file = writeFixtureRun(dir, results, { wireSample: false });
    const runDir = dirname(file);
    const first = await report([runDir]);
    assert.equal(first.code, 0);
    assert.match(first.err, /capturing GetBook on the wire/);
    const sample = readWireSample(runDir);
    assert.ok(sample);
    assert.equal(sample.operation, 'GetBook');
    assert.deepEqual(
      sample.variants.map((v) => [v.variant, v.ok]),
      [
        ['rest', true],
        ['grpc', true],
        ['connect-proto-h2', true],
      ],
    );
    const rest = sample.variants[0];
    assert.equal(rest?.steady?.transport, 'http1');
    assert.equal(rest?.steady?.lines[0]?.text, 'GET /v1/books/1 HTTP/1.1');
    const grpc = sample.variants[1];
    assert.equal(grpc?.steady?.transport, 'http2');
    assert.ok(
      grpc?.steady?.lines.some((l) => l.text === '  :path: /library.v1.LibraryService/GetBook'),
    );
    assert.ok(grpc?.steady?.lines.some((l) => l.text.includes('library.v1.GetBookResponse')));
    // The first call pays for the connection; the second does not.
    assert.ok((grpc?.first?.request.connection ?? 0) > 0);
    assert.equal(grpc?.steady?.request.connection, 0);
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    assert.equal((html.match(/<article class="wire-card">/g) ?? []).length, 3);
    // The second report reuses the stored sample: no server, no capture message.
    const second = await report([runDir]);
    assert.equal(second.code, 0);
    assert.equal(second.err, '');
  });
});

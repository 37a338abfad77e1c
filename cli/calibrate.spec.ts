import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import type { CalibrationResult } from '../bench/load/calibration.ts';
import { registerCalibrateCommand } from './calibrate.ts';

function buildTestProgram(write: (text: string) => void = () => {}): Command {
  const program = new Command('wirebench').exitOverride().configureOutput({
    writeErr: () => {},
    writeOut: () => {},
  });
  registerCalibrateCommand(program, { write });
  return program;
}

describe('wirebench calibrate', () => {
  test('rejects a bad duration, rate or scheduler as a usage error', async () => {
    for (const args of [
      ['--duration', 'soon'],
      ['--rate', '0'],
      ['--scheduler', 'fast'],
      ['--concurrency', '1.5'],
    ]) {
      await assert.rejects(
        buildTestProgram().parseAsync(['calibrate', ...args], { from: 'user' }),
        (err: Error & { code?: string }) => err.code?.startsWith('commander.') === true,
        args.join(' '),
      );
    }
  });

  test('--json prints the full comparison', async () => {
    let output = '';
    await buildTestProgram((text) => {
      output += text;
    }).parseAsync(
      ['calibrate', '--json', '--rate', '100', '--duration', '500ms', '--warmup', '100ms'],
      {
        from: 'user',
      },
    );
    // Whether a half-second run on a busy machine is within tolerance is not this test's concern.
    process.exitCode = 0;
    const result = JSON.parse(output) as CalibrationResult;
    assert.deepEqual(result.parameters, {
      rate: 100,
      durationMs: 500,
      warmupMs: 100,
      concurrency: 2,
      cap: 1,
      scheduler: 'precise',
    });
    assert.deepEqual(
      result.rows.map((row) => row.label),
      ['p50', 'p90', 'p95', 'p99', 'p99.9', 'max'],
    );
    assert.equal(result.open.arrivals, 50);
    assert.equal(result.open.ops, 50);
    assert.equal(typeof result.open.histograms.corrected, 'string');
    assert.equal(result.ok, result.failures.length === 0);
  });

  test('prints sentences and a table within 120 columns, without colour into a non-terminal', async () => {
    let output = '';
    await buildTestProgram((text) => {
      output += text;
    }).parseAsync(['calibrate', '--rate', '100', '--duration', '500ms', '--warmup', '100ms'], {
      from: 'user',
    });
    process.exitCode = 0;
    assert.match(output, /^target: 1 ms service/);
    assert.match(output, /latency in ms:/);
    assert.ok(!output.includes('\x1b['), 'no ANSI escape');
    for (const line of output.trimEnd().split('\n')) {
      assert.ok(line.length <= 120, `${line.length} columns: ${line}`);
    }
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDurationMs, parseDurationMs } from './duration.ts';

describe('durations', () => {
  test('parses seconds, milliseconds, minutes and bare seconds', () => {
    assert.equal(parseDurationMs('5s'), 5_000);
    assert.equal(parseDurationMs('500ms'), 500);
    assert.equal(parseDurationMs('2m'), 120_000);
    assert.equal(parseDurationMs('1.5s'), 1_500);
    assert.equal(parseDurationMs('3'), 3_000);
  });

  test('rejects anything else', () => {
    for (const text of ['', 's', '-1s', '5h', '5 seconds', 'abc']) {
      assert.throws(() => parseDurationMs(text), RangeError, text);
    }
  });

  test('formats back to the shortest unit', () => {
    assert.equal(formatDurationMs(5_000), '5s');
    assert.equal(formatDurationMs(120_000), '2m');
    assert.equal(formatDurationMs(250), '250ms');
  });
});

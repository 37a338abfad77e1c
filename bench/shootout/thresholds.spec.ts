import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateThresholds, parseThreshold, type ThresholdSubject } from './thresholds.ts';

const subject = (
  variant: string,
  figures: Record<string, number>,
  concurrency = 64,
): ThresholdSubject => ({
  scenario: 'crud-read',
  variant,
  concurrency,
  figure: (metric) => figures[metric],
});

describe('thresholds', () => {
  it('parses latencies in any unit into milliseconds, rates and error ratios', () => {
    assert.deepEqual(
      { ...parseThreshold('crud-read:p99<20ms'), source: '' },
      { source: '', scenario: 'crud-read', variant: undefined, metric: 'p99', op: '<', value: 20 },
    );
    assert.equal(parseThreshold('crud-read:p50<=1.5s').value, 1500);
    assert.equal(parseThreshold('crud-read:p999<500us').value, 0.5);
    assert.equal(parseThreshold('crud-read@grpc:rps>5000').variant, 'grpc');
    assert.equal(parseThreshold('crud-read:errors<1%').value, 0.01);
  });

  it('rejects malformed expressions with a message', () => {
    assert.throws(() => parseThreshold('crud-read:p98<20ms'), /metric must be one of/);
    assert.throws(() => parseThreshold('p99<20ms'), /SCENARIO/);
    assert.throws(() => parseThreshold('crud-read:rps>5ms'), /rps takes no unit/);
  });

  it('fails a broken threshold and one that matches nothing, passes a kept one', () => {
    const subjects = [
      subject('rest', { p99: 12, rps: 900 }),
      subject('grpc', { p99: 31, rps: 4000 }),
    ];
    const outcomes = evaluateThresholds(
      [
        parseThreshold('crud-read:p99<20ms'),
        parseThreshold('crud-read@grpc:rps>3000'),
        parseThreshold('list:p99<1s'),
      ],
      subjects,
    );
    assert.deepEqual(
      outcomes.map((o) => [o.threshold.source, o.variant, o.passed]),
      [
        ['crud-read:p99<20ms', 'rest', true],
        ['crud-read:p99<20ms', 'grpc', false],
        ['crud-read@grpc:rps>3000', 'grpc', true],
        ['list:p99<1s', '*', false],
      ],
    );
  });

  it('records the level each outcome read, none where nothing matched', () => {
    const outcomes = evaluateThresholds(
      [parseThreshold('crud-read:p99<20ms'), parseThreshold('list:p99<1s')],
      [
        subject('rest', { p99: 12 }, 16),
        { ...subject('grpc', { p99: 3 }), concurrency: undefined },
      ],
    );
    assert.deepEqual(
      outcomes.map((o) => [o.variant, o.concurrency]),
      [
        ['rest', 16],
        ['grpc', undefined],
        ['*', undefined],
      ],
    );
  });
});

// The wire sample of a run: GetBook of every variant, captured against each group's own server
// and put together in one sample, in the run's variant order.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WIRE_SAMPLE_SCHEMA } from '../../../clients/inspect/index.ts';
import { forEachGroup, onServer, runPipeline } from '../pipeline.ts';
import { testOptions } from '../test-support.ts';
import { wireSamplePhase } from './wire-sample.ts';

const options = testOptions({
  variants: ['rest', 'grpc', 'connect-proto-h2', 'grpc-web-h1'],
  wireSample: true,
});

describe('wire-sample phase', () => {
  it('captures GetBook for every variant against its group’s server, in one sample', async () => {
    const collected = await runPipeline({ options, wrapper: [] }, [
      forEachGroup(onServer(wireSamplePhase)),
    ]);
    const sample = collected.wireSample;
    assert.ok(sample);
    assert.equal(sample.schema, WIRE_SAMPLE_SCHEMA);
    assert.equal(sample.operation, 'GetBook');
    assert.match(sample.source, /shootout's own servers/);
    assert.deepEqual(
      sample.variants.map((v) => v.variant),
      options.variants,
    );
    for (const v of sample.variants) {
      assert.ok(v.ok, `${v.variant}: ${v.error}`);
      assert.ok(v.first && v.steady, v.variant);
      assert.ok(v.first.lines.length > 0 && v.first.response.total > 0, v.variant);
    }
    assert.deepEqual(collected.warnings, []);
    assert.deepEqual(
      collected.phases.map((p) => p.group),
      ['rest', 'grpc', 'connect'],
    );
  });

  it('does not run when the run asks for no sample', async () => {
    const collected = await runPipeline(
      { options: { ...options, wireSample: false }, wrapper: [] },
      [forEachGroup(onServer(wireSamplePhase))],
    );
    assert.equal(collected.wireSample, undefined);
    assert.deepEqual(collected.phases, []);
  });
});

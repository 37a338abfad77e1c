// The orchestrator: phases run in the pipeline's order, their parts merged into one result with
// their wall times, a failing phase a warning, and every server a stage starts stopped again.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadScenarios } from '../scenarios/index.ts';
import type {
  GroupPhase,
  PhaseOutput,
  RunPhase,
  ServerPhase,
  ShootoutOptions,
  StartedGroup,
} from './context.ts';
import { evolutionPhase } from './phases/evolution.ts';
import { scenariosPhase } from './phases/scenarios.ts';
import { forEachGroup, groupsOf, onServer, runPipeline, type Stage } from './pipeline.ts';
import { emptyScenarioResult } from './results.ts';
import { PIPELINE, runShootout } from './run.ts';
import { testOptions } from './test-support.ts';

function options(over: Partial<ShootoutOptions> = {}): ShootoutOptions {
  return testOptions({ scenarios: loadScenarios().filter((s) => s.name === 'crud-read'), ...over });
}

const row = emptyScenarioResult;

const names = (stages: readonly Stage[]): string[] =>
  stages.flatMap((stage) =>
    stage.scope === 'run'
      ? [stage.name]
      : stage.stages.flatMap((inner) =>
          inner.scope === 'server-stage' ? inner.phases.map((p) => p.name) : [inner.name],
        ),
  );

describe('the shootout pipeline', () => {
  it('runs each stack’s ceiling after its group, open loop after every capacity', () => {
    assert.deepEqual(names(PIPELINE), [
      'scenarios',
      'bytes',
      'capacity',
      'wire-sample',
      'bytes-gzip',
      'ceilings',
      'base-ceiling',
      'open-loop',
      'h2load-check',
      'micro',
      'evolution',
    ]);
  });

  it('files the evolution lab under results.evolution when the profile runs it', async () => {
    const lab = {
      schema: 'wirebench.evolution/v1',
      createdAt: '2026-12-02T00:00:00.000Z',
      node: process.version,
      variants: [],
      changes: [],
      baselineFailures: [],
      wallMs: 1,
    } as const;
    const ran = await runShootout(
      options({
        variants: ['rest'],
        evolution: async () => ({ ...lab, variants: [], changes: [], baselineFailures: [] }),
      }),
      [evolutionPhase],
    );
    assert.deepEqual(ran.evolution?.schema, lab.schema);
    assert.deepEqual(
      ran.run.phases?.map((p) => p.name),
      ['evolution'],
    );
    const skipped = await runShootout(options({ variants: ['rest'] }), [evolutionPhase]);
    assert.equal(skipped.evolution, undefined);
    assert.deepEqual(skipped.run.phases, []);
  });

  it('never puts load on a compressing server, nor the gzip bytes on a plain one', () => {
    const servers = PIPELINE.flatMap((stage) =>
      stage.scope === 'groups'
        ? stage.stages.flatMap((inner) => (inner.scope === 'server-stage' ? [inner] : []))
        : [],
    );
    for (const stage of servers) {
      const gzip = stage.phases.some((p) => p.name === 'bytes-gzip');
      assert.equal(!!stage.settings.compression, gzip, stage.phases.map((p) => p.name).join());
    }
    const plain: ServerPhase = { name: 'load', scope: 'server', server: {}, run: async () => ({}) };
    const gzip: ServerPhase = { ...plain, name: 'gzip', server: { compression: true } };
    assert.throws(() => onServer(plain, gzip), /load and gzip need different servers/);
  });

  it('groups the variants by the server that serves them, in the order given', () => {
    assert.deepEqual(groupsOf(['rest', 'grpc', 'connect-proto-h2', 'connect-json-h1']), [
      { name: 'rest', variants: ['rest'] },
      { name: 'grpc', variants: ['grpc'] },
      { name: 'connect', variants: ['connect-proto-h2', 'connect-json-h1'] },
    ]);
  });

  it('runs phases in order, merges their parts and records the wall time of each', async () => {
    const seen: string[] = [];
    const create: GroupPhase = {
      name: 'create',
      scope: 'group',
      steps: (_, group) => group.variants.length,
      async run(ctx, group) {
        seen.push(`create ${group.name}`);
        for (const v of group.variants) ctx.progress(v);
        return { results: group.variants.map((v) => row(v, 'crud-read')) };
      },
    };
    const patch: GroupPhase = {
      name: 'patch',
      scope: 'group',
      applies: (_, group) => group.name !== 'grpc',
      async run(ctx, group) {
        seen.push(`patch ${group.name} after ${ctx.sofar.results.length} rows`);
        return {
          patches: [
            ...group.variants.map((v) => ({ variant: v, scenario: 'crud-read', itemsPerOp: 7 })),
            { variant: 'rest', scenario: 'nobody-made-this', itemsPerOp: 9 },
          ],
        };
      },
    };
    const broken: RunPhase = {
      name: 'broken',
      scope: 'run',
      run: async () => {
        throw new Error('no h2load here');
      },
    };
    const last: RunPhase = {
      name: 'last',
      scope: 'run',
      steps: () => 1,
      async run(ctx): Promise<PhaseOutput> {
        seen.push('last');
        ctx.progress('last');
        return { warnings: ['a measurement failed'], micro: [] };
      },
    };
    const skipped: RunPhase = {
      name: 'skipped',
      scope: 'run',
      applies: () => false,
      run: async () => assert.fail('a phase that does not apply must not run'),
    };
    const progress: string[] = [];
    const collected = await runPipeline(
      {
        options: options({ onProgress: (e) => progress.push(`${e.done}/${e.total} ${e.step}`) }),
        wrapper: [],
      },
      [forEachGroup(create, patch), broken, skipped, last],
    );
    assert.deepEqual(seen, [
      'create rest',
      'patch rest after 1 rows',
      'create grpc',
      'create connect',
      'patch connect after 4 rows',
      'last',
    ]);
    assert.deepEqual(
      collected.results.map((r) => [r.variant, r.itemsPerOp]),
      [
        ['rest', 7],
        ['grpc', 1],
        ['connect-proto-h2', 7],
        ['connect-json-h1', 7],
      ],
    );
    assert.deepEqual(collected.warnings, ['broken failed: no h2load here', 'a measurement failed']);
    assert.deepEqual(
      collected.phases.map((p) => `${p.name}${p.group ? `@${p.group}` : ''}`),
      [
        'create@rest',
        'patch@rest',
        'create@grpc',
        'create@connect',
        'patch@connect',
        'broken',
        'last',
      ],
    );
    assert.ok(collected.phases.every((p) => Number.isInteger(p.wallMs) && p.wallMs >= 0));
    assert.deepEqual(progress, [
      '1/5 rest',
      '2/5 grpc',
      '3/5 connect-proto-h2',
      '4/5 connect-json-h1',
      '5/5 last',
    ]);
  });

  it('starts one server per group for a stage and stops it, even when a phase throws', async () => {
    const pids: number[] = [];
    const first: ServerPhase = {
      name: 'first',
      scope: 'server',
      server: {},
      async run(_ctx, group: StartedGroup) {
        pids.push(group.server.pid);
        assert.ok(group.catalog.bookIds.length >= 200, 'the seeded catalog (scale small)');
        assert.equal(group.catalog.maxId, Math.max(...group.catalog.bookIds));
        throw new Error('lost the connection');
      },
    };
    const second: ServerPhase = {
      ...first,
      name: 'second',
      async run(_ctx, group: StartedGroup) {
        pids.push(group.server.pid);
        return {};
      },
    };
    const collected = await runPipeline({ options: options({ variants: ['rest'] }), wrapper: [] }, [
      forEachGroup(onServer(first, second)),
    ]);
    assert.equal(pids.length, 2);
    assert.equal(pids[0], pids[1], 'both phases got the same server');
    assert.throws(() => process.kill(pids[0]!, 0), /ESRCH/, 'the server is gone');
    assert.deepEqual(collected.warnings, ['first (rest) failed: lost the connection']);
    assert.deepEqual(
      collected.phases.map((p) => p.name),
      ['first', 'second'],
    );
  });

  it('gives every variant the seeded dataset: reads first, a fresh server after writes', async () => {
    const all = loadScenarios();
    const pick = (name: string) => {
      const found = all.find((s) => s.name === name);
      assert.ok(found, name);
      return found;
    };
    const pids: number[] = [];
    const probe: ServerPhase = {
      name: 'probe',
      scope: 'server',
      server: { metrics: true },
      async run(_ctx, group: StartedGroup) {
        pids.push(group.server.pid);
        return {};
      },
    };
    const run = (scenarios: string[]) =>
      runPipeline(
        {
          options: options({
            variants: ['connect-proto-h2', 'connect-json-h2'],
            scenarios: scenarios.map(pick),
            concurrency: [1],
            concurrencyExplicit: true,
          }),
          wrapper: [],
        },
        [forEachGroup(onServer(probe, scenariosPhase, probe))],
      );
    // crud-write (writeCycle) is listed first, yet runs after the read.
    const writing = await run(['crud-write', 'crud-read']);
    assert.deepEqual(
      writing.results.map((r) => `${r.variant} ${r.scenario} ${r.status}`),
      [
        'connect-proto-h2 crud-read ok',
        'connect-proto-h2 crud-write ok',
        'connect-json-h2 crud-read ok',
        'connect-json-h2 crud-write ok',
      ],
    );
    assert.equal(pids.length, 2);
    assert.notEqual(pids[0], pids[1], 'what follows the writes has a fresh server');
    for (const pid of pids)
      assert.throws(() => process.kill(pid, 0), /ESRCH/, 'every server stopped');
    pids.length = 0;
    await run(['crud-read']);
    assert.equal(pids[0], pids[1], 'reads alone keep one server for the group');
  });

  it('returns one result with the phases’ times, no thresholds, the run’s own warnings', async () => {
    const only: RunPhase = {
      name: 'only',
      scope: 'run',
      run: async () => ({ results: [row('rest', 'crud-read')], warnings: ['rest: not measured'] }),
    };
    const results = await runShootout(options({ variants: ['rest'] }), [only]);
    assert.deepEqual(
      results.run.phases?.map((p) => p.name),
      ['only'],
    );
    assert.deepEqual(results.thresholds, []);
    assert.ok(results.warnings.includes('rest: not measured'));
    assert.equal(results.results.length, 1);
  });
});

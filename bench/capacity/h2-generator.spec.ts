import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VARIANTS } from '../../clients/contract.ts';
import { type ServerProcess, startServerProcess } from '../../clients/server-process.ts';
import { describeVariant, originOf } from '../../clients/variants.ts';
import { startCeiling } from '../ceilings/index.ts';
import { runH2Load } from './h2-generator.ts';
import { buildCrudReadRequests, encodeGetBook } from './requests.ts';
import type { CapacityResult } from './result.ts';

const H2_VARIANTS = VARIANTS.filter((v) => describeVariant(v).transport === 'h2');
const SHORT = { connections: 2, streams: 4, durationMs: 400, warmupMs: 200 } as const;
const ENGINES = ['frames', 'node-http2'] as const;

function assertConsistent(result: CapacityResult): void {
  assert.equal(result.generator, 'h2-generator');
  assert.ok(result.requests > 0, 'some requests completed');
  assert.equal(result.ok + result.non2xx + result.protocolErrors + result.errors, result.requests);
  assert.equal(result.latency.count, result.requests);
  assert.ok(result.throughput > 0 && result.meanThroughput > 0);
  assert.ok(result.samples.length > 0);
  assert.ok(result.bytesRead > 0 && result.bytesWritten > 0);
  assert.ok(result.histogram.length > 0);
  // The warm-up ran; its responses are counted apart from the window's.
  assert.ok(result.warmupRequests > 0, 'the warm-up ran');
}

describe('runH2Load', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess({ scale: 'small' });
  });
  after(async () => {
    await server?.stop();
  });

  for (const engine of ENGINES) {
    for (const variant of H2_VARIANTS) {
      it(`${engine}, ${variant}: every response of the window is a success`, async () => {
        const result = await runH2Load({
          engine,
          authority: originOf(variant, server.endpoints),
          requests: buildCrudReadRequests(variant, { maxId: 200, count: 50 }),
          serverPid: server.pid,
          ...SHORT,
        });
        assertConsistent(result);
        assert.equal(result.engine, engine);
        assert.equal(result.errors, 0, result.firstError);
        assert.equal(result.non2xx, 0);
        assert.equal(result.protocolErrors, 0);
        assert.equal(result.ok, result.requests);
        assert.deepEqual(result.statusCodes, { 200: result.requests });
        assert.equal(result.connections, 2);
        assert.equal(result.streams, 4);
        assert.ok(result.serverCpu && result.serverCpu.cpuSeconds > 0, 'server CPU measured');
        if (describeVariant(variant).protocol !== 'connect')
          assert.deepEqual(result.grpcStatus, { 0: result.requests });
      });
    }
  }

  it('counts grpc-status 5 (not found) as an error, though HTTP says 200', async () => {
    for (const [engine, variant] of ENGINES.flatMap((e) =>
      (['grpc', 'grpc-connect', 'grpc-web-h2'] as const).map((v) => [e, v] as const),
    )) {
      const result = await runH2Load({
        engine,
        authority: originOf(variant, server.endpoints),
        requests: [encodeGetBook(variant, 999_999)],
        preflight: 0,
        ...SHORT,
      });
      assertConsistent(result);
      assert.equal(result.ok, 0, variant);
      assert.equal(result.protocolErrors, result.requests, variant);
      assert.deepEqual(result.grpcStatus, { 5: result.requests }, variant);
      assert.deepEqual(result.statusCodes, { 200: result.requests }, variant);
    }
  });

  it('counts a Connect error as non-2xx', async () => {
    for (const engine of ENGINES) {
      const result = await runH2Load({
        engine,
        authority: server.endpoints.h2,
        requests: [encodeGetBook('connect-proto-h2', 999_999)],
        preflight: 0,
        ...SHORT,
      });
      assertConsistent(result);
      assert.equal(result.non2xx, result.requests);
      assert.deepEqual(result.statusCodes, { 404: result.requests });
    }
  });

  it("keeps within the server's SETTINGS_MAX_CONCURRENT_STREAMS (grpc-js: 100)", async () => {
    for (const engine of ENGINES) {
      const result = await runH2Load({
        engine,
        authority: originOf('grpc', server.endpoints),
        requests: [encodeGetBook('grpc', 1)],
        connections: 1,
        streams: 150,
        durationMs: 300,
        warmupMs: 0,
      });
      assert.equal(result.streams, 100);
      assert.ok(result.requests > 0);
      assert.equal(result.ok, result.requests, result.firstError);
    }
  });

  it('counts the failures and ends on time when the server goes away mid-run', async () => {
    for (const engine of ENGINES) {
      const ceiling = await startCeiling('grpc-js');
      try {
        const running = runH2Load({
          engine,
          authority: ceiling.origin,
          requests: ceiling.requests,
          connections: 2,
          streams: 4,
          durationMs: 1_000,
          warmupMs: 0,
          preflight: 0,
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        await ceiling.stop();
        const result = await running;
        assert.ok(result.ok > 0, 'answers before the server left');
        assert.ok(result.errors > 0, 'the cut streams and the refused ones are errors');
        assert.ok(result.ok <= result.requests);
      } finally {
        await ceiling.stop();
      }
    }
  });

  it('refuses to run requests the server does not answer as expected', async () => {
    await assert.rejects(
      runH2Load({
        authority: originOf('grpc', server.endpoints),
        requests: [encodeGetBook('grpc', 999_999)],
        ...SHORT,
      }),
      /request check failed before the run: grpc GetBook\(999999\)/,
    );
  });
});

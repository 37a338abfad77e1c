import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VARIANTS, type Variant } from '../../clients/contract.ts';
import { type ServerProcess, startServerProcess } from '../../clients/server-process.ts';
import { describeVariant, originOf } from '../../clients/variants.ts';
import { runAutocannon } from './autocannon.ts';
import { buildCrudReadRequests, encodeGetBook } from './requests.ts';
import type { CapacityResult } from './result.ts';

const H1_VARIANTS = VARIANTS.filter((v) => describeVariant(v).transport === 'h1');
const SHORT = { connections: 2, durationMs: 400, warmupMs: 200 } as const;

function assertConsistent(result: CapacityResult): void {
  assert.equal(result.generator, 'autocannon');
  assert.ok(result.requests > 0, 'some requests completed');
  assert.equal(result.ok + result.non2xx + result.protocolErrors, result.requests);
  assert.ok(result.throughput > 0 && result.meanThroughput > 0);
  assert.ok(result.samples.length > 0);
  assert.ok(result.bytesRead > 0 && result.bytesWritten > 0);
  assert.ok(result.latency.p50 > 0 && result.latency.p50 <= result.latency.max);
  assert.ok(result.histogram.length > 0);
  // The warm-up ran; its responses are counted apart from the window's.
  assert.ok(result.warmupRequests > 0, 'the warm-up ran');
  assert.equal(result.streams, 1);
  assert.ok(result.generatorCpu.cpuSeconds >= 0);
}

describe('runAutocannon', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess({ scale: 'small' });
  });
  after(async () => {
    await server?.stop();
  });

  for (const variant of H1_VARIANTS) {
    it(`${variant}: every response of the window is a success`, async () => {
      const result = await runAutocannon({
        origin: originOf(variant, server.endpoints),
        requests: buildCrudReadRequests(variant, { maxId: 200, count: 50 }),
        serverPid: server.pid,
        ...SHORT,
      });
      assertConsistent(result);
      assert.equal(result.errors, 0);
      assert.equal(result.non2xx, 0);
      assert.equal(result.protocolErrors, 0);
      assert.equal(result.ok, result.requests);
      assert.deepEqual(result.statusCodes, { 200: result.requests });
      assert.equal(result.latency.count, result.requests);
      assert.ok(result.serverCpu && result.serverCpu.cpuSeconds > 0, 'server CPU measured');
      if (describeVariant(variant).protocol === 'grpc-web')
        assert.deepEqual(result.grpcStatus, { 0: result.requests });
    });
  }

  it('counts an unknown book as non-2xx or as a protocol error, never as a success', async () => {
    const expected: Record<string, (r: CapacityResult) => void> = {
      rest: (r) => {
        assert.equal(r.non2xx, r.requests);
        assert.deepEqual(r.statusCodes, { 404: r.requests });
      },
      'connect-json-h1': (r) => assert.equal(r.non2xx, r.requests),
      graphql: (r) => {
        assert.equal(r.protocolErrors, r.requests);
        assert.deepEqual(r.statusCodes, { 200: r.requests });
      },
      'grpc-web-h1': (r) => {
        assert.equal(r.protocolErrors, r.requests);
        assert.deepEqual(r.grpcStatus, { 5: r.requests });
      },
    };
    for (const [variant, check] of Object.entries(expected)) {
      const result = await runAutocannon({
        origin: originOf(variant as Variant, server.endpoints),
        requests: [encodeGetBook(variant as Variant, 999_999)],
        preflight: 0,
        ...SHORT,
      });
      assertConsistent(result);
      assert.equal(result.ok, 0, variant);
      assert.equal(result.errors, 0, variant);
      check(result);
    }
  });

  it('refuses to run requests the server does not answer as expected', async () => {
    await assert.rejects(
      runAutocannon({
        origin: server.endpoints.http,
        requests: [encodeGetBook('rest', 999_999)],
        ...SHORT,
      }),
      /request check failed before the run: GET \/v1\/books\/999999: HTTP 404/,
    );
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ServerProcess, startServerProcess } from '../../clients/server-process.ts';
import { originOf } from '../../clients/variants.ts';
import { buildH2loadArgs, compareWithH2load, parseH2loadOutput, runH2load } from './h2load.ts';
import { encodeGetBook } from './requests.ts';

// Captured from `h2load -c 2 -m 10 -D 2 --warm-up-time 500ms -d body.bin -H 'content-type:
// application/grpc+proto' -H 'te: trailers' http://127.0.0.1:PORT/library.v1.LibraryService/GetBook`
// (nghttp2 1.52.0) against the grpc-js server.
const SAMPLE = `starting benchmark...
spawning thread #0: 2 total client(s). Timing-based test with 0.5s of warm-up time and 2s of main duration for measurements.
Warm-up started for thread #0.
progress: 50% of clients started
progress: 100% of clients started
Application protocol: h2c
Warm-up phase is over for thread #0.
Main benchmark duration is started for thread #0.
Main benchmark duration is over for thread #0. Stopping all clients.
Stopped all clients for thread #0

finished in 2.50s, 5865.00 req/s, 6.59MB/s
requests: 11730 total, 11730 started, 11730 done, 11730 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 11720 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 13.19MB (13829828) total, 64.28KB (65818) headers (space savings 96.39%), 14.32MB (15012600) data
                     min         max         mean         sd        +/- sd
time for request:      506us     55.91ms      3.43ms      4.59ms    94.12%
time for connect:        0us         0us         0us         0us     0.00%
time to 1st byte:        0us         0us         0us         0us     0.00%
req/s           :    2914.78     2949.74     2932.26       24.72   100.00%
`;

describe('parseH2loadOutput', () => {
  it('reads throughput, counts, latency (ms) and traffic from the summary', () => {
    const result = parseH2loadOutput(SAMPLE);
    assert.equal(result.throughput, 5865);
    assert.equal(result.succeeded, 11730);
    assert.equal(result.failed, 0);
    assert.deepEqual(result.requests, {
      total: 11730,
      started: 11730,
      done: 11730,
      succeeded: 11730,
      failed: 0,
      errored: 0,
      timeout: 0,
    });
    assert.deepEqual(result.statusCodes, { '2xx': 11720, '3xx': 0, '4xx': 0, '5xx': 0 });
    assert.deepEqual(result.latency, { min: 0.506, max: 55.91, mean: 3.43, sd: 4.59 });
    assert.deepEqual(result.perClient, { min: 2914.78, max: 2949.74, mean: 2932.26, sd: 24.72 });
    assert.deepEqual(result.bytes, { total: 13829828, headers: 65818, data: 15012600 });
  });

  it('reads seconds in the request times', () => {
    const slow = SAMPLE.replace(
      'time for request:      506us     55.91ms      3.43ms      4.59ms',
      'time for request:     1.20ms      2.50s    120.00ms     10us',
    );
    assert.deepEqual(parseH2loadOutput(slow).latency, { min: 1.2, max: 2500, mean: 120, sd: 0.01 });
  });

  it('says which line is missing from an output it cannot read', () => {
    assert.throws(() => parseH2loadOutput('starting benchmark...\n'), /no finished line/);
  });
});

describe('buildH2loadArgs', () => {
  it('passes connections, streams, duration, warm-up, body file and headers, no log file', () => {
    const args = buildH2loadArgs(
      {
        authority: 'http://127.0.0.1:5000',
        spec: encodeGetBook('grpc', 1),
        connections: 4,
        streams: 25,
        durationMs: 1500,
        warmupMs: 500,
      },
      '/tmp/body.bin',
    );
    assert.deepEqual(args, [
      ...['-c', '4', '-m', '25', '-t', '1', '-D', '1500ms', '--warm-up-time=500ms'],
      ...['-d', '/tmp/body.bin'],
      ...['-H', 'content-type: application/grpc+proto', '-H', 'te: trailers'],
      'http://127.0.0.1:5000/library.v1.LibraryService/GetBook',
    ]);
    assert.ok(!args.some((arg) => arg.startsWith('--log-file')));
  });
});

describe('h2load against the grpc-js server', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess({ scale: 'small', only: 'grpc' });
  });
  after(async () => {
    await server?.stop();
  });

  it('runs and reports every request done and succeeded', async () => {
    const result = await runH2load({
      authority: originOf('grpc', server.endpoints),
      spec: encodeGetBook('grpc', 1),
      connections: 1,
      streams: 4,
      durationMs: 500,
      warmupMs: 200,
      serverPid: server.pid,
    });
    assert.ok(result.requests.done > 0);
    assert.equal(result.failed, 0);
    assert.equal(result.requests.errored, 0);
    assert.ok(result.throughput > 0);
    assert.ok(result.latency.mean > 0 && result.latency.mean <= result.latency.max);
    assert.equal(result.command[0], 'h2load');
  });

  it('counts a gRPC error as a success, since it reads the HTTP status only', async () => {
    const result = await runH2load({
      authority: originOf('grpc', server.endpoints),
      spec: encodeGetBook('grpc', 999_999),
      connections: 1,
      streams: 2,
      durationMs: 300,
      warmupMs: 0,
    });
    assert.ok(result.requests.done > 0);
    assert.equal(result.succeeded, result.requests.done);
    assert.equal(result.failed, 0);
  });

  it('compares our generator with h2load, alternated, one ratio per pair', async () => {
    const comparison = await compareWithH2load({
      authority: originOf('grpc', server.endpoints),
      spec: encodeGetBook('grpc', 1),
      connections: 1,
      streams: 4,
      durationMs: 300,
      warmupMs: 100,
      reps: 2,
      prime: false,
      serverPid: server.pid,
    });
    assert.equal(comparison.ours.length, 2);
    assert.equal(comparison.h2load.length, 2);
    assert.equal(comparison.ratio.n, 2);
    assert.ok(comparison.ratio.median > 0);
    assert.ok(comparison.ratio.min <= comparison.ratio.median);
    assert.ok(comparison.ours.every((run) => run.ok === run.requests && run.requests > 0));
    assert.equal(comparison.oursThroughput.n, 2);
  });
});
